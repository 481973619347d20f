package conformance

import (
	"slices"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

func TestPublish(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("pub")

	pv := publish(t, c, rec, legion.PublishRequest{
		Name: pkg, Version: "1.0.0", Description: "conformance publish", License: "MIT",
		Keywords: []string{"conformance"}, Readme: "# " + pkg, Dependencies: map[string]string{name("dep"): "^1.0.0"},
	})
	if pv.Name != pkg || pv.Version == nil || pv.Version.String() != "1.0.0" {
		t.Fatalf("publish answered %+v", pv)
	}

	t.Run("republish 409", func(t *testing.T) {
		_, err := c.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
		status(t, "publishing 1.0.0 again", err, 409, legion.ErrConflict)
	})
	t.Run("new version", func(t *testing.T) {
		_, err := c.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "1.1.0", License: "MIT"})
		ok(t, "publish 1.1.0", err, rec, created...)
	})
	t.Run("not the owner 403", func(t *testing.T) {
		o, _ := other(t)
		_, err := o.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "9.0.0"})
		status(t, "another user publishing a version", err, 403, legion.ErrForbidden)
		err = o.Unpublish(ctx, pkg)
		status(t, "another user unpublishing", err, 403, legion.ErrForbidden)
	})
	t.Run("invalid name 400", func(t *testing.T) {
		bad := "LGC_" + strings.ToUpper(e.run) + "!bad"
		_, err := c.Publish(ctx, legion.PublishRequest{Name: bad, Version: "1.0.0"})
		cleanupPackage(t, c, bad)
		status(t, "publishing an invalid name", err, 400, legion.ErrBadRequest)
	})
	t.Run("invalid token 401", func(t *testing.T) {
		bad, _ := client(t, bogusToken())
		_, err := bad.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "3.0.0"})
		status(t, "publishing with an unknown token", err, 401, legion.ErrUnauthorized)
		err = bad.Unpublish(ctx, pkg)
		status(t, "unpublishing with an unknown token", err, 401, legion.ErrUnauthorized)
	})
	t.Run("unpublish", func(t *testing.T) {
		err := c.Unpublish(ctx, pkg)
		ok(t, "unpublish", err, rec, 200, 204)
		_, err = c.GetPackage(ctx, pkg)
		status(t, "get an unpublished package", err, 404, legion.ErrNotFound)
		_, err = c.ListVersions(ctx, pkg)
		status(t, "versions of an unpublished package", err, 404, legion.ErrNotFound)
		err = c.Unpublish(ctx, pkg)
		status(t, "unpublish again", err, 404, legion.ErrNotFound)
	})
}

// --- listing: GET /packages?sort&page&limit&q ---

func TestList(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	tag := "lst" + randomString(4)
	a, b, cc := name(tag+"-a"), name(tag+"-b"), name(tag+"-c")
	for _, n := range []string{a, b, cc} { // created in this order
		publish(t, c, rec, legion.PublishRequest{Name: n, Version: "1.0.0"})
		time.Sleep(5 * time.Millisecond) // distinct creation times at ms precision
	}
	filter := name(tag) // a substring of the three names only

	names := func(t *testing.T, o legion.ListOptions) ([]string, *legion.PackageList) {
		t.Helper()
		o.Query = filter
		l, err := c.ListPackages(ctx, &o)
		ok(t, "list", err, rec, 200)
		var ns []string
		for _, p := range l.Packages {
			ns = append(ns, p.Name)
		}
		return ns, l
	}
	t.Run("sort name, pages", func(t *testing.T) {
		got, l := names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 1})
		if !slices.Equal(got, []string{a, b}) || l.Total != 3 {
			t.Fatalf("page 1 of 2: %v total %d", got, l.Total)
		}
		got, _ = names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 2})
		if !slices.Equal(got, []string{cc}) {
			t.Fatalf("page 2 of 2: %v", got)
		}
		got, _ = names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 3})
		if len(got) != 0 {
			t.Fatalf("page 3 of 2: %v", got)
		}
	})
	t.Run("sort newest", func(t *testing.T) {
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortNewest}); !slices.Equal(got, []string{cc, b, a}) {
			t.Fatalf("newest first: %v", got)
		}
	})
	t.Run("sort recent", func(t *testing.T) {
		time.Sleep(5 * time.Millisecond)
		_, err := c.Publish(ctx, legion.PublishRequest{Name: a, Version: "1.1.0"})
		ok(t, "publish a new version", err, rec, created...)
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortRecent}); !slices.Equal(got, []string{a, cc, b}) {
			t.Fatalf("recently updated first: %v", got)
		}
	})
	t.Run("sort downloads", func(t *testing.T) {
		for _, n := range []string{b, b, cc} { // b: 2 downloads, c: 1, a: 0
			if _, err := c.GetPackage(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortDownloads}); !slices.Equal(got, []string{b, cc, a}) {
			t.Fatalf("most downloaded first: %v", got)
		}
	})
	t.Run("all pages", func(t *testing.T) {
		var got []string
		for p, err := range c.AllPackages(ctx, &legion.ListOptions{Sort: legion.SortName, Limit: 1, Query: filter}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Name)
		}
		if !slices.Equal(got, []string{a, b, cc}) {
			t.Fatalf("AllPackages: %v", got)
		}
	})
	t.Run("default page", func(t *testing.T) {
		l, err := c.ListPackages(ctx, nil)
		ok(t, "list with defaults", err, rec, 200)
		if len(l.Packages) == 0 || len(l.Packages) > legion.MaxLimit {
			t.Fatalf("default page holds %d packages", len(l.Packages))
		}
	})
}

// --- one package: GET /packages/:name (counts a download), versions, download ---

func TestGetPackageCountsDownloads(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("get")
	publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
	publish(t, c, rec, legion.PublishRequest{
		Name: pkg, Version: "1.2.0", Description: "get me", License: "Apache-2.0",
		Keywords: []string{"lgc"}, Readme: "# get", Dependencies: map[string]string{"legion-http": "^1.0.0"},
	})

	p, err := c.GetPackage(ctx, pkg)
	ok(t, "get", err, rec, 200)
	if p.Name != pkg || p.Author != e.owner || p.Latest == nil || p.Latest.String() != "1.2.0" ||
		p.Description != "get me" || p.License != "Apache-2.0" || p.Readme != "# get" ||
		p.Dependencies["legion-http"] != "^1.0.0" || len(p.Versions) != 2 || p.CreatedAt.IsZero() {
		t.Fatalf("package: %+v", p)
	}
	d1 := p.Downloads
	p, err = c.GetPackage(ctx, pkg)
	if err != nil || p.Downloads != d1+1 {
		t.Fatalf("a second GET: downloads %d, want %d (%v)", p.Downloads, d1+1, err)
	}

	// Listing, versions and search do not count (reference Part 2 §6).
	if _, err := c.ListVersions(ctx, pkg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, pkg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListPackages(ctx, &legion.ListOptions{Query: pkg}); err != nil {
		t.Fatal(err)
	}
	p, err = c.GetPackage(ctx, pkg)
	if err != nil || p.Downloads != d1+2 {
		t.Fatalf("after versions, search and list: downloads %d, want %d (%v)", p.Downloads, d1+2, err)
	}

	_, err = c.GetPackage(ctx, name("missing"))
	status(t, "get an unknown package", err, 404, legion.ErrNotFound)
}

func TestVersionsAndDownload(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("ver")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-rc.1"} {
		publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: v, Readme: "# " + v})
	}

	t.Run("versions", func(t *testing.T) {
		vs, err := c.ListVersions(ctx, pkg)
		ok(t, "versions", err, rec, 200)
		var got []string
		for _, v := range vs {
			got = append(got, v.Version.String())
			if v.PublishedAt.IsZero() {
				t.Errorf("%s has no timestamp", v.Version)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"1.0.0", "1.1.0", "2.0.0-rc.1"}) {
			t.Fatalf("versions: %v", got)
		}
		_, err = c.ListVersions(ctx, name("missing"))
		status(t, "versions of an unknown package", err, 404, legion.ErrNotFound)
	})
	t.Run("download latest", func(t *testing.T) {
		v, err := c.Download(ctx, pkg, legion.Latest)
		ok(t, "download latest", err, rec, 200)
		if v.Version == nil || v.Version.String() != "1.1.0" {
			t.Fatalf("latest is %v, want 1.1.0 (the highest release)", v.Version)
		}
	})
	t.Run("download a version", func(t *testing.T) {
		v, err := c.Download(ctx, pkg, "2.0.0-rc.1")
		ok(t, "download 2.0.0-rc.1", err, rec, 200)
		if v.Version == nil || v.Version.String() != "2.0.0-rc.1" || v.PublishedAt.IsZero() {
			t.Fatalf("download: %+v", v)
		}
		_, err = c.Download(ctx, pkg, "9.9.9")
		status(t, "download an unknown version", err, 404, legion.ErrNotFound)
		_, err = c.Download(ctx, name("missing"), legion.Latest)
		status(t, "download from an unknown package", err, 404, legion.ErrNotFound)
	})
}

// --- GET /search ---

func TestSearch(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	word := strings.ReplaceAll(name("srch"), "-", "") // one word, in these packages only
	exact := name("srch")
	publish(t, c, rec, legion.PublishRequest{Name: exact, Version: "1.0.0", Description: "an exact name match", Keywords: []string{word}})
	publish(t, c, rec, legion.PublishRequest{Name: name("srch-more"), Version: "1.0.0", Description: "mentions " + word})

	res, err := c.Search(ctx, exact, &legion.SearchOptions{Limit: 10})
	ok(t, "search", err, rec, 200)
	if len(res.Results) == 0 || res.Results[0].Name != exact {
		t.Fatalf("searching %q: %v, want it first", exact, resultNames(res))
	}
	for i, p := range res.Results {
		if i > 0 && p.Score > res.Results[i-1].Score {
			t.Errorf("results not ranked: %v", resultNames(res))
		}
	}

	res, err = c.Search(ctx, word, nil)
	if err != nil || len(res.Results) != 2 {
		t.Fatalf("searching a keyword and description word: %v (%v)", resultNames(res), err)
	}
	res, err = c.Search(ctx, word, &legion.SearchOptions{Limit: 1})
	if err != nil || len(res.Results) != 1 {
		t.Fatalf("limit 1: %v (%v)", resultNames(res), err)
	}
	res, err = c.Search(ctx, e.owner, &legion.SearchOptions{Limit: 100})
	if err != nil || !slices.Contains(resultNames(res), exact) {
		t.Fatalf("searching the author %q: %v (%v)", e.owner, resultNames(res), err)
	}
	res, err = c.Search(ctx, "zq"+randomString(20), nil)
	if err != nil || len(res.Results) != 0 {
		t.Fatalf("a word nothing has: %v (%v)", resultNames(res), err)
	}
}

func resultNames(r *legion.SearchResult) []string {
	if r == nil {
		return nil
	}
	var ns []string
	for _, p := range r.Results {
		ns = append(ns, p.Name)
	}
	return ns
}

// --- GET /users/:username, GET /users/:username/packages ---
