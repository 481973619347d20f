package legiontest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// seedMany adds n packages named pkg-000… with the given downloads, all
// published at the same instant.
func seedMany(t testing.TB, r *legiontest.Registry, n int, downloads func(i int) int64) {
	t.Helper()
	if _, err := r.AddUser("seeder", "seeder@example.com", "seeder-password"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		err := r.AddPackage(legiontest.SeedPackage{
			Name: fmt.Sprintf("pkg-%03d", i), Owner: "seeder", Description: fmt.Sprintf("package number %d", i),
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: downloads(i),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPagingHasNoRepeatsOrGaps(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	const n = 57
	// Equal downloads and timestamps everywhere: only the name tie-break
	// orders them. A few distinct counts make downloads sorting non-trivial.
	seedMany(t, srv.Registry, n, func(i int) int64 {
		if i%10 == 0 {
			return int64(i)
		}
		return 7
	})
	anon := srv.Client()

	var all []string
	for i := range n {
		all = append(all, fmt.Sprintf("pkg-%03d", i))
	}
	for _, sort := range []legion.Sort{"", legion.SortDownloads, legion.SortName, legion.SortRecent, legion.SortNewest} {
		for _, limit := range []int{1, 10, 20, 56, 57, 100} {
			var walked []string
			for page := 1; ; page++ {
				list, err := anon.ListPackages(ctx(), &legion.ListOptions{Sort: sort, Page: page, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if list.Total != n || list.Page != page || list.Limit != limit {
					t.Fatalf("sort %q page %d: total/page/limit = %d/%d/%d", sort, page, list.Total, list.Page, list.Limit)
				}
				if len(list.Packages) == 0 {
					break
				}
				walked = append(walked, names(list.Packages)...)
			}
			got := slices.Clone(walked)
			slices.Sort(got)
			if diff := cmp.Diff(all, got); diff != "" {
				t.Fatalf("sort %q limit %d: pages repeat or skip (-want +got):\n%s", sort, limit, diff)
			}
			if sort == legion.SortName && !slices.IsSorted(walked) {
				t.Errorf("sort=name not alphabetical: %v", walked)
			}
		}
	}
	// AllPackages walks the same pages.
	var iter []string
	for p, err := range anon.AllPackages(ctx(), &legion.ListOptions{Limit: 8}) {
		if err != nil {
			t.Fatal(err)
		}
		iter = append(iter, p.Name)
	}
	if len(iter) != n {
		t.Errorf("AllPackages yielded %d packages, want %d", len(iter), n)
	}
	// Downloads order: 50, 40, 30, 20, 10, then the 7s by name, then 0.
	list, err := anon.ListPackages(ctx(), &legion.ListOptions{Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pkg-050", "pkg-040", "pkg-030", "pkg-020", "pkg-010", "pkg-001", "pkg-002"}, names(list.Packages)); diff != "" {
		t.Errorf("default order (-want +got):\n%s", diff)
	}
	// Past the end: empty, total still right.
	list, err = anon.ListPackages(ctx(), &legion.ListOptions{Page: 1000000, Limit: 100})
	if err != nil || len(list.Packages) != 0 || list.Total != n {
		t.Errorf("far page = %+v, %v", list, err)
	}
	// Default limit is 20.
	list, err = anon.ListPackages(ctx(), nil)
	if err != nil || len(list.Packages) != 20 || list.Limit != 20 || list.Page != 1 {
		t.Errorf("defaults = %d packages, page %d limit %d, %v", len(list.Packages), list.Page, list.Limit, err)
	}
}

func TestListSortsAndFilter(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	// b is created first, a second, c last; a is then updated last.
	for _, r := range []legion.PublishRequest{
		{Name: "bravo", Version: "1.0.0", Description: "Second letter"},
		{Name: "alpha", Version: "1.0.0", Keywords: []string{"Greek", "first"}},
		{Name: "charlie", Version: "1.0.0", Description: "an HTTP client"},
		{Name: "alpha", Version: "1.1.0", Keywords: []string{"Greek", "first"}},
	} {
		clock.Advance(time.Minute)
		publish(t, alice, r)
	}
	srv.SetDownloads("bravo", 5)
	srv.SetDownloads("charlie", 9)
	anon := srv.Client()
	for _, tc := range []struct {
		opts legion.ListOptions
		want []string
	}{
		{legion.ListOptions{}, []string{"charlie", "bravo", "alpha"}},
		{legion.ListOptions{Sort: legion.SortDownloads}, []string{"charlie", "bravo", "alpha"}},
		{legion.ListOptions{Sort: legion.SortName}, []string{"alpha", "bravo", "charlie"}},
		{legion.ListOptions{Sort: legion.SortRecent}, []string{"alpha", "charlie", "bravo"}},
		{legion.ListOptions{Sort: legion.SortNewest}, []string{"charlie", "alpha", "bravo"}},
		{legion.ListOptions{Query: "GREEK"}, []string{"alpha"}},    // keyword, any case
		{legion.ListOptions{Query: "http"}, []string{"charlie"}},   // description
		{legion.ListOptions{Query: "rav"}, []string{"bravo"}},      // name
		{legion.ListOptions{Query: "second l"}, []string{"bravo"}}, // one substring
		{legion.ListOptions{Query: "alice"}, nil},                  // not the author
	} {
		list, err := anon.ListPackages(ctx(), &tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, names(list.Packages), cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.opts, diff)
		}
		if list.Total != len(tc.want) {
			t.Errorf("%+v: total %d", tc.opts, list.Total)
		}
		for _, p := range list.Packages {
			if p.Readme != "" || p.Versions != nil || p.Latest == nil || p.Author != "alice" {
				t.Errorf("summary %+v", p)
			}
		}
	}
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	addUser(t, srv, "alice")
	addUser(t, srv, "httpd")
	add := func(name, owner string, downloads int64, desc string, keywords ...string) {
		t.Helper()
		err := srv.AddPackage(legiontest.SeedPackage{Name: name, Owner: owner, Description: desc, Keywords: keywords,
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: downloads})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("http", "alice", 0, "")
	add("http-client", "alice", 1, "")
	add("a-http", "alice", 5, "")
	add("b-http", "alice", 50, "")
	add("c-http", "alice", 5, "")
	add("fetcher", "alice", 1000, "", "HTTP")
	add("getter", "alice", 1000, "", "http2")
	add("webby", "alice", 1000, "speaks Http")
	add("tool", "httpd", 1000, "")
	add("unrelated", "alice", 1000000, "nothing")

	anon := srv.Client()
	res, err := anon.Search(ctx(), "HTTP", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http", "http-client", "b-http", "a-http", "c-http", "fetcher", "getter", "webby", "tool"}
	if diff := cmp.Diff(want, names(res.Results)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	if res.Total != len(want) {
		t.Errorf("total = %d", res.Total)
	}
	for i := 1; i < len(res.Results); i++ {
		if res.Results[i].Score > res.Results[i-1].Score {
			t.Errorf("scores not descending at %d: %v > %v", i, res.Results[i].Score, res.Results[i-1].Score)
		}
	}
	if res.Results[0].Score <= res.Results[1].Score || res.Results[1].Score <= res.Results[2].Score {
		t.Errorf("exact > prefix > substring not strict: %v %v %v", res.Results[0].Score, res.Results[1].Score, res.Results[2].Score)
	}

	// Limit cuts the list, not the total.
	res, err = anon.Search(ctx(), "http", &legion.SearchOptions{Limit: 2})
	if err != nil || len(res.Results) != 2 || res.Total != len(want) {
		t.Errorf("limited search = %v, %v", res, err)
	}
	// Every word must match.
	res, err = anon.Search(ctx(), "http client", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"http-client"}, names(res.Results)); diff != "" {
		t.Errorf("two words (-want +got):\n%s", diff)
	}
	res, err = anon.Search(ctx(), "zzz", nil)
	if err != nil || len(res.Results) != 0 || res.Total != 0 {
		t.Errorf("no match = %v, %v", res, err)
	}
	// Deterministic.
	a, _ := anon.Search(ctx(), "http", nil)
	b, _ := anon.Search(ctx(), "http", nil)
	if diff := cmp.Diff(a, b, cmpOpts); diff != "" {
		t.Errorf("search is not deterministic:\n%s", diff)
	}
}

func TestStatsConsistent(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	seedMany(t, srv.Registry, 15, func(i int) int64 { return int64(i % 4 * 100) })
	addUser(t, srv, "alice")
	anon := srv.Client()
	for range 3 {
		if _, err := anon.GetPackage(ctx(), "pkg-000"); err != nil {
			t.Fatal(err)
		}
	}
	st, err := anon.Stats(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	var all []legion.Package
	for p, err := range anon.AllPackages(ctx(), &legion.ListOptions{Sort: legion.SortDownloads}) {
		if err != nil {
			t.Fatal(err)
		}
		sum += p.Downloads
		all = append(all, p)
		if p.Downloads != srv.Downloads(p.Name) {
			t.Errorf("%s: listed %d downloads, registry has %d", p.Name, p.Downloads, srv.Downloads(p.Name))
		}
	}
	if st.Packages != int64(len(all)) || st.Downloads != sum || st.Users != 2 {
		t.Errorf("stats = %d packages, %d downloads, %d users; want %d, %d, 2", st.Packages, st.Downloads, st.Users, len(all), sum)
	}
	if diff := cmp.Diff(names(all[:10]), names(st.Popular)); diff != "" {
		t.Errorf("popular (-want +got):\n%s", diff)
	}
	if st.Popular[0].Downloads < st.Popular[9].Downloads {
		t.Errorf("popular not by downloads")
	}
}

func TestUserPackages(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")
	addUser(t, srv, "carol")
	publish(t, alice, legion.PublishRequest{Name: "zeta", Version: "1.0.0"})
	publish(t, alice, legion.PublishRequest{Name: "alpha", Version: "1.0.0", Readme: "hidden in summaries"})
	publish(t, bob, legion.PublishRequest{Name: "beta", Version: "1.0.0"})
	anon := srv.Client()
	ps, err := anon.ListUserPackages(ctx(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alpha", "zeta"}, names(ps.Packages)); diff != "" {
		t.Errorf("alice's packages (-want +got):\n%s", diff)
	}
	if ps.Packages[0].Readme != "" || ps.Packages[0].Versions != nil {
		t.Errorf("summary carries readme or versions: %+v", ps.Packages[0])
	}
	ps, err = anon.ListUserPackages(ctx(), "carol")
	if err != nil || len(ps.Packages) != 0 {
		t.Errorf("carol's packages = %v, %v", ps, err)
	}
	_, err = anon.ListUserPackages(ctx(), "nobody")
	wantStatus(t, err, 404, "not found")
}

func TestAudit(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, legiontest.WithSeed(legiontest.Seed{
		Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "password1"}},
		Packages: []legiontest.SeedPackage{
			{Name: "legion-http", Owner: "alice", Versions: []legiontest.SeedVersion{
				{Version: "1.0.0"}, {Version: "1.1.0"}, {Version: "1.2.0"}, {Version: "2.0.0"}, {Version: "2.1.0-rc.1"},
			}},
			{Name: "safe", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}},
		},
		Advisories: []legiontest.SeedAdvisory{
			{ID: "LEG-2", Package: "legion-http", Affected: "<1.2.0", Severity: legion.SeverityHigh, Title: "Header injection"},
			{ID: "LEG-1", Package: "legion-http", Affected: ">=1.1.0 <2.0.0", Severity: legion.SeverityLow, Title: "Slow parse", URL: "https://example.com/LEG-1"},
			{Package: "legion-http", Affected: ">=2.1.0-rc.0", Severity: legion.SeverityCritical, Title: "RC bug"},
		},
	}))
	anon := srv.Client()

	rep, err := anon.Audit(ctx(), map[string]string{"legion-http": "^1.0.0", "safe": "*", "ghost": "^1"})
	if err != nil {
		t.Fatal(err)
	}
	want := &legion.AuditReport{
		Advisories: []legion.Advisory{
			{ID: "LEG-1", Package: "legion-http", Range: "^1.0.0", Affected: ">=1.1.0 <2.0.0", Severity: legion.SeverityLow,
				Title: "Slow parse", URL: "https://example.com/LEG-1", Versions: []string{"1.1.0", "1.2.0"}},
			{ID: "LEG-2", Package: "legion-http", Range: "^1.0.0", Affected: "<1.2.0", Severity: legion.SeverityHigh,
				Title: "Header injection", Versions: []string{"1.0.0", "1.1.0"}},
		},
		Problems: []legion.AuditProblem{{Package: "ghost", Range: "^1", Problem: "package not found"}},
		Scanned:  3,
		Clean:    false,
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// ^2.0.0 admits 2.0.0 only (not the prerelease): clean.
	rep, err = anon.Audit(ctx(), map[string]string{"legion-http": "^2.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&legion.AuditReport{Advisories: []legion.Advisory{}, Scanned: 1, Clean: true}, rep); diff != "" {
		t.Errorf("clean audit (-want +got):\n%s", diff)
	}
	// Asking for the prerelease finds the generated-id advisory.
	rep, err = anon.Audit(ctx(), map[string]string{"legion-http": ">=2.1.0-rc.1"})
	if err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].ID != "LEGION-0001" || rep.Clean {
		t.Errorf("prerelease audit = %+v, %v", rep, err)
	}
	rep, err = anon.Audit(ctx(), nil)
	if err != nil || !rep.Clean || rep.Scanned != 0 {
		t.Errorf("empty audit = %+v, %v", rep, err)
	}
}
