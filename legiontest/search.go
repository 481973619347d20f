package legiontest

import (
	"cmp"
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
	terms := strings.Fields(strings.ToLower(raw))
	if len(terms) == 0 {
		return c.fail(http.StatusBadRequest, "q is required")
	}
	limit, valid := intParam(q, "limit", defaultLimit, 1, maxLimit)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("limit must be an integer from 1 to %d", maxLimit))
	}
	type hit struct {
		p     *pkgRec
		score float64
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var hits []hit
	for _, p := range r.st.pkgs {
		if s := p.score(terms); s > 0 {
			hits = append(hits, hit{p, s})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.p.downloads, a.p.downloads); c != 0 {
			return c
		}
		return strings.Compare(a.p.name, b.p.name)
	})
	out := make([]legion.Package, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		s := h.p.summary()
		s.Score = h.score
		out = append(out, s)
	}
	return http.StatusOK, searchBody{Success: true, Results: out, Total: len(hits), Query: raw}
}
