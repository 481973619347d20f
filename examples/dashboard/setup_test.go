package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// xssDescription must reach the page as text.
const xssDescription = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`

// httpReadme is legion-http's readme: Markdown with markup and links that
// must not survive.
const httpReadme = "# legion-http\n\nA **fast** client. See [the docs](https://example.com/docs) or [this](javascript:alert(1)).\n\n" +
	"<script>window.pwned=3</script>\n\n```go\nc := http.New(\"<b>\")\n```\n\n- one\n- two\n"

// fixture is a registry with 45 packages and a dashboard in front of it.
//
//   - legion-pkg-NN (NN = 01…40) has NN*100 downloads and one version,
//     1.NN.0, published NN hours after 2026-02-01; legion-pkg-40 is the
//     most downloaded.
//   - legion-http has four versions, published out of semver order
//     (2.0.0 before 1.9.0), depends on legion-pkg-01 in 2.0.0, and an
//     advisory ("Header injection") against <1.5.0.
//     Its latest version has license MIT, keywords http and client, and
//     httpReadme; 1.5.0 has the readme "# Old readme".
//   - legion-evil's description is xssDescription.
type fixture struct {
	reg  *legiontest.Server
	dash *httptest.Server
	srv  *server
}

var day = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)

func setup(t *testing.T, ttl time.Duration) *fixture {
	t.Helper()
	seed := legiontest.Seed{Users: []legiontest.SeedUser{{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"}}}
	for i := 1; i <= 40; i++ {
		seed.Packages = append(seed.Packages, legiontest.SeedPackage{
			Name: fmt.Sprintf("legion-pkg-%02d", i), Owner: "bob", Downloads: int64(i * 100),
			Description: fmt.Sprintf("package number %d", i), Keywords: []string{"numbered"},
			Versions: []legiontest.SeedVersion{{Version: fmt.Sprintf("1.%d.0", i), PublishedAt: day.Add(time.Duration(i) * time.Hour)}},
		})
	}
	seed.Packages = append(seed.Packages,
		legiontest.SeedPackage{Name: "legion-http", Owner: "bob", Description: "HTTP client with retries", Downloads: 7,
			License: "MIT", Keywords: []string{"http", "client"}, Readme: httpReadme, Versions: []legiontest.SeedVersion{
				{Version: "1.0.0", PublishedAt: day.Add(100 * time.Hour)},
				{Version: "1.5.0", PublishedAt: day.Add(101 * time.Hour), Readme: "# Old readme"},
				{Version: "2.0.0", PublishedAt: day.Add(102 * time.Hour), Dependencies: map[string]string{"legion-pkg-01": "^1.1.0"}},
				{Version: "1.9.0", PublishedAt: day.Add(103 * time.Hour)},
			}},
		legiontest.SeedPackage{Name: "legion-evil", Owner: "bob", Description: xssDescription, Downloads: 3,
			Versions: []legiontest.SeedVersion{{Version: "0.1.0", PublishedAt: day}}},
	)
	seed.Advisories = []legiontest.SeedAdvisory{{Package: "legion-http", Affected: "<1.5.0", Severity: legion.SeverityHigh, Title: "Header injection"}}
	reg := legiontest.NewServer(t, legiontest.WithSeed(seed))
	// One attempt: an outage shows at once instead of after retries.
	srv := newServer(reg.Client(legion.WithMaxAttempts(1)), ttl, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dash := httptest.NewServer(srv)
	t.Cleanup(dash.Close)
	return &fixture{reg: reg, dash: dash, srv: srv}
}

// get fetches a dashboard path and returns the status and body.
func (f *fixture) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(f.dash.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// downloads returns every package's download count.
func (f *fixture) downloads(t *testing.T) map[string]int64 {
	t.Helper()
	m := map[string]int64{}
	for _, name := range []string{"legion-http", "legion-evil"} {
		m[name] = f.reg.Downloads(name)
	}
	for i := 1; i <= 40; i++ {
		name := fmt.Sprintf("legion-pkg-%02d", i)
		m[name] = f.reg.Downloads(name)
	}
	return m
}

// noPackageGets fails the test if the dashboard called GET /packages/:name.
func (f *fixture) noPackageGets(t *testing.T) {
	t.Helper()
	for _, r := range f.reg.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/packages/") && strings.Count(r.Path, "/") == 2 {
			t.Errorf("the dashboard called GET %s, which counts a download", r.Path)
		}
	}
}
