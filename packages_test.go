package legion

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const packageJSON = `{
	"name": "legion-http", "description": "HTTP client", "author": "alice",
	"license": "MIT", "keywords": ["http", "client"], "readme": "# legion-http",
	"latest": "1.2.0",
	"versions": [{"version": "1.0.0", "publishedAt": "2026-01-01T00:00:00Z"}, {"version": "1.2.0", "publishedAt": "2026-02-01T00:00:00Z"}],
	"dependencies": {"legion-core": "^2.0.0"},
	"downloads": 42, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-02-01T00:00:00Z",
	"someFieldFromTheFuture": {"x": 1}
}`

var packageWant = &Package{
	Name: "legion-http", Description: "HTTP client", Author: "alice",
	License: "MIT", Keywords: []string{"http", "client"}, Readme: "# legion-http",
	Latest: mustVersion("1.2.0"),
	Versions: []PackageVersion{
		{Version: mustVersion("1.0.0"), PublishedAt: mustTime("2026-01-01T00:00:00Z")},
		{Version: mustVersion("1.2.0"), PublishedAt: mustTime("2026-02-01T00:00:00Z")},
	},
	Dependencies: map[string]string{"legion-core": "^2.0.0"},
	Downloads:    42,
	CreatedAt:    mustTime("2026-01-01T00:00:00Z"),
	UpdatedAt:    mustTime("2026-02-01T00:00:00Z"),
}

func TestGetPackage(t *testing.T) {
	t.Parallel()
	forms(t, "package", packageJSON, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/packages/legion-http", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testAuth(t, r)
			reply(w, 200, body)
		})
		got, err := c.GetPackage(context.Background(), "legion-http")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(packageWant, got, cmpOpts); diff != "" {
			t.Errorf("GetPackage (-want +got):\n%s", diff)
		}
	})
}

// Names reach the server as exactly one path segment.
func TestPackageNameEscaping(t *testing.T) {
	t.Parallel()
	for name, path := range map[string]string{
		"a/b":       "/packages/a%2Fb",
		"..":        "/packages/%2E%2E",
		".":         "/packages/%2E",
		"100%":      "/packages/100%25",
		"naïve":     "/packages/na%C3%AFve",
		"q?x=1#f":   "/packages/q%3Fx=1%23f",
		"legion-ok": "/packages/legion-ok",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.handle(path, func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, `{"success":true,"package":{"name":`+quote(name)+`}}`)
			})
			srv.handle(path+"/versions", func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, `{"success":true,"versions":[]}`)
			})
			srv.handle(path+"/latest/download", func(w http.ResponseWriter, r *http.Request) {
				reply(w, 200, `{"success":true,"download":{"name":`+quote(name)+`,"version":"1.0.0"}}`)
			})
			ctx := context.Background()
			if p, err := c.GetPackage(ctx, name); err != nil || p.Name != name {
				t.Errorf("GetPackage(%q) = %+v, %v", name, p, err)
			}
			if _, err := c.ListVersions(ctx, name); err != nil {
				t.Errorf("ListVersions(%q): %v", name, err)
			}
			if v, err := c.Download(ctx, name, Latest); err != nil || v.Name != name {
				t.Errorf("Download(%q) = %+v, %v", name, v, err)
			}
		})
	}
}

func TestListPackages(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"sort": {"downloads"}, "page": {"2"}, "limit": {"50"}, "q": {"http client"}})
		reply(w, 200, `{"success":true,"packages":[{"name":"a","downloads":3}],"total":51,"page":2,"limit":50}`)
	})
	opts := &ListOptions{Sort: SortDownloads, Page: 2, Limit: 50, Query: "http client"}
	before := *opts
	got, err := c.ListPackages(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := &PackageList{Packages: []Package{{Name: "a", Downloads: 3}}, Total: 51, Page: 2, Limit: 50}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("ListPackages (-want +got):\n%s", diff)
	}
	if *opts != before {
		t.Errorf("ListPackages modified its options: %+v", opts)
	}
}

func TestListPackagesDefaults(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		reply(w, 200, `{"success":true,"packages":[]}`)
	})
	if _, err := c.ListPackages(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestAllPackages(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	pages := map[string]string{
		"1": `{"success":true,"packages":[{"name":"a"},{"name":"b"}],"total":5}`,
		"2": `{"success":true,"packages":[{"name":"c"},{"name":"d"}],"total":5}`,
		"3": `{"success":true,"packages":[{"name":"e"}],"total":5}`,
	}
	srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"sort": {"name"}, "limit": {"2"}, "page": {r.URL.Query().Get("page")}})
		reply(w, 200, pages[r.URL.Query().Get("page")])
	})
	opts := &ListOptions{Sort: SortName, Limit: 2}
	var names []string
	for p, err := range c.AllPackages(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, names); diff != "" {
		t.Errorf("AllPackages (-want +got):\n%s", diff)
	}
	if opts.Page != 0 {
		t.Errorf("AllPackages modified its options: %+v", opts)
	}
	if n := srv.count("/packages"); n != 3 {
		t.Errorf("AllPackages fetched %d pages, want 3", n)
	}
}

func TestAllPackagesStopsOnError(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithMaxAttempts(1))
	srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			reply(w, 500, `{"success":false,"error":"boom"}`)
			return
		}
		reply(w, 200, `{"success":true,"packages":[{"name":"a"},{"name":"b"}],"total":4}`)
	})
	var names []string
	var gotErr error
	for p, err := range c.AllPackages(context.Background(), &ListOptions{Limit: 2}) {
		if err != nil {
			gotErr = err
			break
		}
		names = append(names, p.Name)
	}
	if len(names) != 2 || !errors.Is(gotErr, ErrServer) {
		t.Errorf("got %v, %v; want two names then ErrServer", names, gotErr)
	}
}

func TestListVersions(t *testing.T) {
	t.Parallel()
	const array = `[{"version":"1.0.0","publishedAt":"2026-01-01T00:00:00Z","dependencies":{"x":"^1"}},{"version":"2.0.0-rc.1","published_at":"2026-03-01 10:00:00"}]`
	want := []PackageVersion{
		{Version: mustVersion("1.0.0"), PublishedAt: mustTime("2026-01-01T00:00:00Z"), Dependencies: map[string]string{"x": "^1"}},
		{Version: mustVersion("2.0.0-rc.1"), PublishedAt: mustTime("2026-03-01T10:00:00Z")},
	}
	listForms(t, "versions", array, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/packages/legion-http/versions", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			reply(w, 200, body)
		})
		got, err := c.ListVersions(context.Background(), "legion-http")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("ListVersions (-want +got):\n%s", diff)
		}
	})
}

// A registry may list versions as plain strings.
func TestListVersionsAsStrings(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/p/versions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"versions":["1.0.0","1.1.0"]}`)
	})
	got, err := c.ListVersions(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	want := []PackageVersion{{Version: mustVersion("1.0.0")}, {Version: mustVersion("1.1.0")}}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("ListVersions (-want +got):\n%s", diff)
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	const payload = `{"name":"legion-http","version":"1.2.0","readme":"# hi","dependencies":{"legion-core":"^2.0.0"},"author":{"username":"alice"},"publishedAt":1767225600000}`
	want := &PackageVersion{
		Name: "legion-http", Version: mustVersion("1.2.0"), Readme: "# hi", Author: "alice",
		Dependencies: map[string]string{"legion-core": "^2.0.0"},
		PublishedAt:  mustTime("2026-01-01T00:00:00Z"),
	}
	for _, version := range []string{"1.2.0", "latest"} {
		t.Run(version, func(t *testing.T) {
			forms(t, "download", payload, func(t *testing.T, body string) {
				c, srv := setup(t)
				srv.handle("/packages/legion-http/"+version+"/download", func(w http.ResponseWriter, r *http.Request) {
					testMethod(t, r, "GET")
					reply(w, 200, body)
				})
				got, err := c.Download(context.Background(), "legion-http", version)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
					t.Errorf("Download (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestPublish(t *testing.T) {
	t.Parallel()
	const payload = `{"name":"legion-mylib","version":"1.0.0","publishedAt":"2026-01-01T00:00:00Z"}`
	forms(t, "version", payload, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			testAuth(t, r)
			testBody(t, r, `{"name":"legion-mylib","version":"1.0.0","description":"d","license":"MIT",
				"keywords":["k"],"readme":"# r","dependencies":{"legion-http":"^1.0.0"}}`)
			reply(w, 201, body)
		})
		got, err := c.Publish(context.Background(), PublishRequest{
			Name: "legion-mylib", Version: "1.0.0", Description: "d", License: "MIT",
			Keywords: []string{"k"}, Readme: "# r", Dependencies: map[string]string{"legion-http": "^1.0.0"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := &PackageVersion{Name: "legion-mylib", Version: mustVersion("1.0.0"), PublishedAt: mustTime("2026-01-01T00:00:00Z")}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("Publish (-want +got):\n%s", diff)
		}
	})
}

// A registry that answers only a message still published what was asked.
func TestPublishMessageOnly(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 201, `{"success":true,"message":"Published legion-mylib@1.0.0"}`)
	})
	got, err := c.Publish(context.Background(), PublishRequest{Name: "legion-mylib", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "legion-mylib" || got.Version.String() != "1.0.0" {
		t.Errorf("Publish = %+v", got)
	}
}

func TestUnpublish(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/unpublish", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testAuth(t, r)
		testBody(t, r, `{"name":"legion-mylib"}`)
		reply(w, 200, `{"success":true,"message":"Unpublished"}`)
	})
	if err := c.Unpublish(context.Background(), "legion-mylib"); err != nil {
		t.Fatal(err)
	}
}

// "No dependencies" (an empty object) and "not sent" stay distinguishable.
func TestDependenciesSentOrNot(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/p/versions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"versions":[{"version":"1.0.0","dependencies":{}},{"version":"1.1.0"},{"version":"1.2.0","dependencies":null}]}`)
	})
	vs, err := c.ListVersions(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].Dependencies == nil || len(vs[0].Dependencies) != 0 || vs[1].Dependencies != nil || vs[2].Dependencies != nil {
		t.Errorf("dependencies = %#v, %#v, %#v; want empty, nil, nil", vs[0].Dependencies, vs[1].Dependencies, vs[2].Dependencies)
	}
}

// A registry that serves smaller pages than asked (here 2 where 100 were
// asked, with or without saying so) is read to the end, by its total or by
// an empty page, not abandoned at the first short page.
func TestAllPackagesSmallerPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, extra string }{
		{"total and limit", `,"total":5,"limit":2`},
		{"total only", `,"total":5`},
		{"neither", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			all := []string{"a", "b", "c", "d", "e"}
			srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
				page, _ := strconv.Atoi(r.URL.Query().Get("page"))
				var items []string
				for i := (page - 1) * 2; i < len(all) && i < page*2; i++ {
					items = append(items, `{"name":"`+all[i]+`"}`)
				}
				reply(w, 200, `{"success":true,"packages":[`+strings.Join(items, ",")+`]`+tc.extra+`}`)
			})
			var names []string
			for p, err := range c.AllPackages(context.Background(), nil) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(all, names); diff != "" {
				t.Errorf("AllPackages (-want +got):\n%s", diff)
			}
		})
	}
}
