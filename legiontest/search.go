package legiontest

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

// --- search ---

// termScore rates how well one lower-cased term matches p, by the best
// field it appears in: exact name > name prefix > name substring >
// keyword (exact, then substring) > description > author (exact, then
// substring). Zero means no match.
func (p *pkgRec) termScore(t string) float64 {
	switch {
	case p.lname == t:
		return 100
	case strings.HasPrefix(p.lname, t):
		return 80
	case strings.Contains(p.lname, t):
		return 60
	}
	var kw float64
	for _, k := range p.lkeywords {
		if k == t {
			return 40
		}
		if strings.Contains(k, t) {
			kw = 30
		}
	}
	switch {
	case kw > 0:
		return kw
	case strings.Contains(p.ldesc, t):
		return 20
	case p.owner == t:
		return 10
	case strings.Contains(p.owner, t):
		return 5
	}
	return 0
}

// score is the sum of the terms' scores; every term must match.
func (p *pkgRec) score(terms []string) float64 {
	var total float64
	for _, t := range terms {
		s := p.termScore(t)
		if s == 0 {
			return 0
		}
		total += s
	}
	return total
}

func (r *Registry) search(c *reqCtx) (int, any) {
	q := c.req.URL.Query()
	raw := q.Get("q")
	terms := searchTerms(raw)
	if len(terms) == 0 {
		return c.fail(http.StatusBadRequest, "q is required")
	}
	limit, valid := intParam(q, "limit", defaultLimit, 1, maxLimit)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("limit must be an integer from 1 to %d", maxLimit))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	hits, total := r.st.searchLocked(terms, limit)
	out := make([]legion.Package, 0, len(hits))
	for _, h := range hits {
		s := h.p.summary()
		s.Score = h.score
		out = append(out, s)
	}
	return http.StatusOK, searchBody{Success: true, Results: out, Total: total, Query: raw}
}

// searchTerms are the distinct lower-cased words of a query: a word said
// twice counts once.
func searchTerms(q string) []string {
	terms := strings.Fields(strings.ToLower(q))
	slices.Sort(terms)
	return slices.Compact(terms)
}

// hit is a package that matches a search, with its score.
type hit struct {
	score     float64
	downloads int64
	p         *pkgRec
}

// before ranks hits: by score, then downloads, then name.
func (a hit) before(b hit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.downloads != b.downloads {
		return a.downloads > b.downloads
	}
	return a.p.name < b.p.name
}

// searchLocked is the best limit packages matching every term, in rank
// order, and how many match. Only packages whose text holds the longest
// term are scored.
func (st *state) searchLocked(terms []string, limit int) ([]hit, int) {
	st.idx.ready(st.pkgs)
	needle := terms[0]
	for _, t := range terms {
		if len(t) > len(needle) {
			needle = t
		}
	}
	top := topHits{limit: limit}
	total := 0
	// Fields are separated by textSep, so a term without it that the text
	// holds lies in one field and scores: such a hit counts toward the
	// total whether or not it is scored.
	sepFree := !slices.ContainsFunc(terms, func(t string) bool { return strings.IndexByte(t, textSep) >= 0 })
	st.idx.matching(needle, func(p *pkgRec, seg []byte) {
		s, ok := nameScore(seg, terms)
		if !ok {
			if !containsAll(seg, terms) {
				return
			}
			if sepFree && top.full() && scoreBound(seg, terms) < top.worst() {
				total++ // it matches, but cannot rank among the best
				return
			}
			s = p.score(terms)
		}
		if s > 0 {
			total++
			top.offer(hit{s, p.downloads, p})
		}
	})
	return top.sorted(), total
}

// scoreBound is the most a package whose text is seg can score: its name's
// score for the terms in its name, and a keyword's 40 for the others, the
// best any other field gives. A hit below the worst of a full top needs no
// look at the package's fields.
func scoreBound(seg []byte, terms []string) float64 {
	name := nameOf(seg)
	var total float64
	for _, t := range terms {
		if s := inName(name, t); s > 0 {
			total += s
		} else {
			total += 40
		}
	}
	return total
}

// nameScore is score(terms) when every term is in the name, which a
// package's search text starts with (a name holds no textSep); ok is
// false when another field must decide. It spares most hits a look at
// the package's own fields.
func nameScore(seg []byte, terms []string) (total float64, ok bool) {
	name := nameOf(seg)
	for _, t := range terms {
		s := inName(name, t)
		if s == 0 {
			return 0, false
		}
		total += s
	}
	return total, true
}

// nameOf is the name at the start of a package's search text.
func nameOf(seg []byte) []byte {
	if i := bytes.IndexByte(seg, textSep); i >= 0 {
		return seg[:i]
	}
	return seg
}

// inName is termScore's part for the name: exact, prefix, substring, or 0.
func inName(name []byte, t string) float64 {
	switch {
	case string(name) == t:
		return 100
	case bytes.HasPrefix(name, []byte(t)):
		return 80
	case bytes.Contains(name, []byte(t)):
		return 60
	}
	return 0
}

// containsAll reports whether the search text holds every term, which
// every match does: the others need no look at the package's fields.
func containsAll(seg []byte, terms []string) bool {
	for _, t := range terms {
		if !bytes.Contains(seg, []byte(t)) {
			return false
		}
	}
	return true
}

// topHits keeps the best limit hits offered, as a heap whose root is the
// worst of them.
type topHits struct {
	limit int
	h     []hit
}

func (t *topHits) full() bool { return len(t.h) == t.limit }

// worst is the score of the worst hit kept; only for a full top.
func (t *topHits) worst() float64 { return t.h[0].score }

func (t *topHits) offer(x hit) {
	if len(t.h) < t.limit {
		t.h = append(t.h, x)
		for i := len(t.h) - 1; i > 0; {
			parent := (i - 1) / 2
			if !t.h[parent].before(t.h[i]) {
				break
			}
			t.h[parent], t.h[i] = t.h[i], t.h[parent]
			i = parent
		}
		return
	}
	if !x.before(t.h[0]) {
		return
	}
	t.h[0] = x
	for i := 0; ; {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(t.h) && t.h[worst].before(t.h[l]) {
			worst = l
		}
		if r < len(t.h) && t.h[worst].before(t.h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		t.h[i], t.h[worst] = t.h[worst], t.h[i]
		i = worst
	}
}

func (t *topHits) sorted() []hit {
	slices.SortFunc(t.h, func(a, b hit) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	return t.h
}
