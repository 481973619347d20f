package legiontest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// refSearch and refList are the scans the index replaced: every package
// scored or filtered, then sorted. They are the oracle of
// TestIndexAgreesWithScan.
func refSearch(st *state, terms []string, limit int) ([]hit, int) {
	var hits []hit
	for _, p := range st.pkgs {
		if s := p.score(terms); s > 0 {
			hits = append(hits, hit{s, p.downloads, p})
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
	return hits[:min(limit, len(hits))], len(hits)
}

func refList(st *state, filter, sortBy string, page, limit int) ([]*pkgRec, int) {
	var list []*pkgRec
	for _, p := range st.pkgs {
		if filter == "" || p.matches(filter) {
			list = append(list, p)
		}
	}
	sortPackages(list, sortBy)
	start, end := pageBounds(len(list), page, limit)
	return list[start:end], len(list)
}

// TestIndexAgreesWithScan drives a registry through random publishes,
// republishes, unpublishes, downloads, download counts, AddPackage, Seed
// and Restore, and after each burst compares every kind of search and
// listing with the scans, on the incremental path and the rebuilt one.
func TestIndexAgreesWithScan(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"http", "Json", "cli", "db", "HTTP2", "ab", "a", "b-c", "net", "x.y"}
	word := func() string { return words[rng.IntN(len(words))] }
	text := func(n int) string {
		var b strings.Builder
		for i := range rng.IntN(n) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(word())
		}
		return b.String()
	}
	clock := NewManualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	r, err := NewRegistry(WithClock(clock), WithTokenSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	owners := []string{"alice", "bob", "http-dev"}
	tokens := map[string]string{}
	for _, o := range owners {
		if tokens[o], err = r.AddUser(o, o+"@example.com", "password-"+o); err != nil {
			t.Fatal(err)
		}
	}
	call := func(method, path, token, body string) int {
		req := httptest.NewRequest(method, BasePath+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code
	}
	var names []string // published, maybe since unpublished
	ownerOf := map[string]string{}
	newName := func() string {
		return fmt.Sprintf("%s-%s%d", strings.ToLower(word()), strings.ToLower(word()), rng.IntN(1000))
	}
	publish := func(name, owner string) {
		kw := `[]`
		if rng.IntN(3) > 0 {
			kw = fmt.Sprintf(`[%q, %q]`, word(), word())
		}
		desc := text(6)
		if rng.IntN(20) == 0 {
			desc += strings.Repeat(" filler", 130) // grows the corpus' dead bytes
		}
		body := fmt.Sprintf(`{"name":%q,"version":"%d.%d.%d","description":%q,"keywords":%s}`,
			name, rng.IntN(3), rng.IntN(5), rng.IntN(5), desc, kw)
		if call("POST", "/packages/publish", tokens[owner], body) == http.StatusCreated {
			ownerOf[name] = owner
		}
	}
	var incremental, rebuilt int
	check := func(round int) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.st.idx.stale {
			rebuilt++
		} else {
			incremental++
		}
		for range 12 {
			q := text(4)
			if rng.IntN(4) == 0 {
				q += " " + q // repeated words
			}
			if rng.IntN(4) == 0 && len(names) > 0 {
				n := names[rng.IntN(len(names))]
				q = n[rng.IntN(len(n)):]
			}
			terms := searchTerms(q)
			if len(terms) > 0 {
				limit := 1 + rng.IntN(30)
				got, gotTotal := r.st.searchLocked(terms, limit)
				want, wantTotal := refSearch(r.st, terms, limit)
				if !slices.Equal(hitNames(got), hitNames(want)) || gotTotal != wantTotal || !slices.Equal(hitScores(got), hitScores(want)) {
					t.Fatalf("round %d: search %q limit %d:\n got %v %v (%d)\nwant %v %v (%d)", round, q, limit,
						hitNames(got), hitScores(got), gotTotal, hitNames(want), hitScores(want), wantTotal)
				}
			}
			filter := ""
			if rng.IntN(3) > 0 {
				filter = strings.ToLower(strings.TrimSpace(text(3)))
			}
			sortBy := []string{"downloads", "name", "recent", "newest"}[rng.IntN(4)]
			page, limit := 1+rng.IntN(4), 1+rng.IntN(25)
			got, gotTotal := r.st.listLocked(filter, sortKeys[sortBy], page, limit)
			want, wantTotal := refList(r.st, filter, sortBy, page, limit)
			if !slices.Equal(got, want) || gotTotal != wantTotal {
				t.Fatalf("round %d: list q=%q sort=%s page %d limit %d:\n got %v (%d)\nwant %v (%d)", round, filter, sortBy, page, limit,
					recNames(got), gotTotal, recNames(want), wantTotal)
			}
		}
		// /stats and each user's packages, against a scan.
		stats := r.statsLocked()
		var sum int64
		all := make([]*pkgRec, 0, len(r.st.pkgs))
		for _, p := range r.st.pkgs {
			sum += p.downloads
			all = append(all, p)
		}
		sortPackages(all, "downloads")
		var popular []string
		for _, p := range stats.Popular {
			popular = append(popular, p.Name)
		}
		if want := recNames(all[:min(popularCount, len(all))]); stats.Downloads != sum || stats.Packages != int64(len(all)) || !slices.Equal(popular, want) {
			t.Fatalf("round %d: stats %d packages, %d downloads, popular %v; want %d, %d, %v", round,
				stats.Packages, stats.Downloads, popular, len(all), sum, want)
		}
		for _, o := range owners {
			var want []*pkgRec
			for _, p := range all {
				if p.owner == o {
					want = append(want, p)
				}
			}
			sortPackages(want, "name")
			if got := r.st.idx.byOwner[o]; !slices.Equal(recNames(got), recNames(want)) {
				t.Fatalf("round %d: packages of %s:\n got %v\nwant %v", round, o, recNames(got), recNames(want))
			}
		}
	}
	for round := range 300 {
		burst := 1 + rng.IntN(8)
		if rng.IntN(10) == 0 {
			burst = 150 // past the change budget: the index turns stale
		}
		for range burst {
			clock.Advance(time.Duration(rng.IntN(3)) * time.Minute)
			switch op := rng.IntN(100); {
			case op < 30 || len(names) == 0:
				name := newName()
				names = append(names, name)
				publish(name, owners[rng.IntN(len(owners))])
			case op < 45: // a new version, maybe of someone else's package (403)
				name := names[rng.IntN(len(names))]
				publish(name, owners[rng.IntN(len(owners))])
			case op < 55:
				name := names[rng.IntN(len(names))]
				if o := ownerOf[name]; o != "" && call("POST", "/packages/unpublish", tokens[o], fmt.Sprintf(`{"name":%q}`, name)) == 200 {
					delete(ownerOf, name)
				}
			case op < 85:
				call("GET", "/packages/"+names[rng.IntN(len(names))], "", "")
			case op < 92:
				_ = r.SetDownloads(names[rng.IntN(len(names))], int64(rng.IntN(4)))
			case op < 97:
				name := newName()
				at := clock.Now().Add(-time.Duration(rng.IntN(100)) * time.Hour)
				err := r.AddPackage(SeedPackage{Name: name, Owner: "alice", Description: text(5), Keywords: []string{word()},
					Versions:  []SeedVersion{{Version: "1.0.0", PublishedAt: at}, {Version: "0.9.0", PublishedAt: at.Add(-time.Hour)}},
					Downloads: int64(rng.IntN(3))})
				if err == nil {
					names = append(names, name)
					ownerOf[name] = "alice"
				}
			case op < 99:
				name := newName()
				if r.Seed(Seed{Packages: []SeedPackage{{Name: name, Owner: "bob", Description: text(5),
					Versions: []SeedVersion{{Version: "2.0.0"}}}}}) == nil {
					names = append(names, name)
					ownerOf[name] = "bob"
				}
			default:
				snap, err := r.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Restore(snap); err != nil {
					t.Fatal(err)
				}
			}
		}
		check(round)
	}
	r.mu.Lock()
	n := len(r.st.pkgs)
	r.mu.Unlock()
	if n < 50 || incremental < 50 || rebuilt < 10 {
		t.Errorf("the run did not exercise the index: %d packages, %d checks on the incremental index, %d on a rebuilt one", n, incremental, rebuilt)
	}
}

func hitNames(hs []hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.p.name
	}
	return out
}

func hitScores(hs []hit) []float64 {
	out := make([]float64, len(hs))
	for i, h := range hs {
		out[i] = h.score
	}
	return out
}

func recNames(ps []*pkgRec) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}
