package main

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	legion "github.com/legion-registry/legion-go"
)

// Each handler reads the registry only through the cache and through
// listings, search, the versions endpoint and audit.

type overviewData struct {
	Stats          *legion.Stats
	Top            *legion.PackageList
	FirstRank      int
	Prev, Next     int // 0: no such page
	Pages          int
	Recent, Newest []legion.Package
	Chart          chart
}

func (s *server) overview(w http.ResponseWriter, r *http.Request) {
	pageNo, ok := intParam(r, "page", 1, maxPage)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, "Bad request", "page must be a whole number from 1 to "+strconv.Itoa(maxPage)+".")
		return
	}
	ctx := r.Context()
	var d overviewData
	var stale, st time.Time
	var err error
	if d.Stats, stale, err = load(ctx, s.cache, "stats", s.c.Stats); err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	if d.Top, st, err = s.list(ctx, legion.SortDownloads, pageNo, pageSize); err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	stale = staler(stale, st)
	var recent, newest *legion.PackageList
	if recent, st, err = s.list(ctx, legion.SortRecent, 1, 8); err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	stale = staler(stale, st)
	if newest, st, err = s.list(ctx, legion.SortNewest, 1, 8); err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	stale = staler(stale, st)
	d.Recent, d.Newest = recent.Packages, newest.Packages

	d.FirstRank = (pageNo-1)*pageSize + 1
	d.Pages = max(1, (d.Top.Total+pageSize-1)/pageSize)
	if pageNo > d.Pages {
		s.fail(w, r, http.StatusNotFound, "Not found", "The list has only "+strconv.Itoa(d.Pages)+" pages.")
		return
	}
	if pageNo > 1 {
		d.Prev = pageNo - 1
	}
	if pageNo < d.Pages {
		d.Next = pageNo + 1
	}
	// The chart shows the top of the registry whatever the page.
	top := d.Top.Packages
	if pageNo != 1 {
		first, st, err := s.list(ctx, legion.SortDownloads, 1, pageSize)
		if err != nil {
			s.failRegistry(w, r, err, "")
			return
		}
		stale, top = staler(stale, st), first.Packages
	}
	d.Chart = barChart(top[:min(chartBars, len(top))])
	s.render(w, r, http.StatusOK, "overview", page{Title: "Overview", Stale: stale, Data: d})
}

func (s *server) list(ctx context.Context, sort legion.Sort, pageNo, limit int) (*legion.PackageList, time.Time, error) {
	key := "list " + string(sort) + " " + strconv.Itoa(pageNo) + " " + strconv.Itoa(limit)
	return load(ctx, s.cache, key, func(ctx context.Context) (*legion.PackageList, error) {
		return s.c.ListPackages(ctx, &legion.ListOptions{Sort: sort, Page: pageNo, Limit: limit})
	})
}

type searchData struct {
	Result *legion.SearchResult
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	switch {
	case !utf8.ValidString(q) || strings.ContainsFunc(q, func(r rune) bool { return r < ' ' }):
		s.fail(w, r, http.StatusBadRequest, "Bad search", "The query holds characters that cannot be searched for.")
		return
	case utf8.RuneCountInString(q) > maxQueryLen:
		s.fail(w, r, http.StatusBadRequest, "Bad search", "A query is at most "+strconv.Itoa(maxQueryLen)+" characters.")
		return
	case q == "":
		s.render(w, r, http.StatusOK, "search", page{Title: "Search", Data: searchData{}})
		return
	}
	res, stale, err := load(r.Context(), s.cache, "search "+q, func(ctx context.Context) (*legion.SearchResult, error) {
		return s.c.Search(ctx, q, &legion.SearchOptions{Limit: 50})
	})
	if err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	s.render(w, r, http.StatusOK, "search", page{Title: "Search: " + q, Query: q, Stale: stale, Data: searchData{Result: res}})
}

type packageData struct {
	Name           string
	Latest         legion.PackageVersion
	Versions       []legion.PackageVersion // in publish order, newest first
	Dependencies   []dependency
	Advisories     []advisory
	AuditedVersion string
}

type dependency struct{ Name, Range string }

type advisory struct {
	legion.Advisory
	AffectsLatest bool
}

func (s *server) pkg(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ctx := r.Context()
	versions, stale, err := load(ctx, s.cache, "versions "+name, func(ctx context.Context) ([]legion.PackageVersion, error) {
		return s.c.ListVersions(ctx, name)
	})
	if err != nil {
		s.failRegistry(w, r, err, "There is no package named “"+name+"” in this registry.")
		return
	}
	if len(versions) == 0 {
		s.fail(w, r, http.StatusNotFound, "Not found", "“"+name+"” has no published versions.")
		return
	}
	d := packageData{Name: name, Versions: slices.Clone(versions)}
	slices.SortStableFunc(d.Versions, func(a, b legion.PackageVersion) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), b.Version.Compare(a.Version))
	})
	d.Latest = latest(versions)
	for n, rng := range d.Latest.Dependencies {
		d.Dependencies = append(d.Dependencies, dependency{n, rng})
	}
	slices.SortFunc(d.Dependencies, func(a, b dependency) int { return strings.Compare(a.Name, b.Name) })

	// Every advisory against any published version ("*" admits them all,
	// prereleases too with the audit's rules); the table marks those that
	// hit the latest.
	report, st, err := load(ctx, s.cache, "audit "+name, func(ctx context.Context) (*legion.AuditReport, error) {
		return s.c.Audit(ctx, map[string]string{name: "*"})
	})
	if err != nil {
		s.failRegistry(w, r, err, "")
		return
	}
	stale = staler(stale, st)
	for _, a := range report.Advisories {
		d.Advisories = append(d.Advisories, advisory{a, slices.Contains(a.Versions, d.Latest.Version.String())})
	}
	s.render(w, r, http.StatusOK, "package", page{Title: name, Stale: stale, Data: d})
}

// latest is the registry's rule: the highest release, or the highest
// prerelease when there is no release.
func latest(vs []legion.PackageVersion) legion.PackageVersion {
	best := vs[0]
	for _, v := range vs[1:] {
		bestPre, pre := best.Version.Prerelease() != "", v.Version.Prerelease() != ""
		if (bestPre && !pre) || (bestPre == pre && v.Version.GreaterThan(best.Version)) {
			best = v
		}
	}
	return best
}

// intParam reads a positive integer query parameter, def when absent.
func intParam(r *http.Request, name string, def, maxVal int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= maxVal
}
