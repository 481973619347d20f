package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// bigRegistry is a dashboard over a registry of 20,000 packages.
func bigRegistry(t *testing.T) *fixture {
	t.Helper()
	seed := legiontest.Seed{Users: []legiontest.SeedUser{{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"}}}
	for i := range 20_000 {
		seed.Packages = append(seed.Packages, legiontest.SeedPackage{
			Name: fmt.Sprintf("legion-big-%05d", i), Owner: "bob", Downloads: int64(i),
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", PublishedAt: day}},
		})
	}
	reg := legiontest.NewServer(t, legiontest.WithSeed(seed))
	srv := newServer(reg.Client(), time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dash := httptest.NewServer(srv)
	t.Cleanup(dash.Close)
	return &fixture{reg: reg, dash: dash, srv: srv}
}

var nextRe = regexp.MustCompile(`id="next" rel="next" href="([^"]*)"`)

// Every page of the listing can be reached, the pager never links to a
// page the dashboard refuses, and numbers have thousands separators.
func TestPagingAt20000Packages(t *testing.T) {
	t.Parallel()
	f := bigRegistry(t)
	code, body := f.get(t, "/")
	if code != 200 || !strings.Contains(body, "page 1 of 1,000") || !strings.Contains(body, `id="total-packages">20,000<`) {
		t.Fatalf("overview: status %d, no \"page 1 of 1,000\" or total 20,000", code)
	}
	// Next from the middle, where the old limit was, leads on.
	_, body = f.get(t, "/?page=500")
	m := nextRe.FindStringSubmatch(body)
	if m == nil || m[1] != "/?page=501" {
		t.Fatalf("page 500: next link %v", m)
	}
	code, body = f.get(t, "/?page=501")
	if code != 200 || !strings.Contains(body, `<td data-label="Rank" class="num">10,001</td>`) {
		t.Errorf("page 501: status %d, or rank 10,001 missing", code)
	}
	code, body = f.get(t, "/?page=1000")
	if code != 200 || nextRe.MatchString(body) || !strings.Contains(body, `href="/?page=999"`) || !strings.Contains(body, `class="num">19,981</td>`) {
		t.Errorf("last page: status %d, a next link, no previous link or no rank 19,981", code)
	}
	if code, _ := f.get(t, "/?page=1001"); code != 404 {
		t.Errorf("page 1001: status %d, want 404", code)
	}
}

// Search results are paged through everything the registry ranks, with
// "showing … of …".
func TestSearchPaging(t *testing.T) {
	t.Parallel()
	f := bigRegistry(t)
	code, body := f.get(t, "/search?q=legion")
	for _, want := range []string{"20,000 results", "Showing 1–20 of 20,000", "the best 100", "page 1 of 5"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("search: status %d, lacks %q", code, want)
		}
	}
	first := rows(body, "results")
	m := nextRe.FindStringSubmatch(body)
	if len(first) != pageSize || m == nil {
		t.Fatalf("search page 1: %d rows, next link %v", len(first), m)
	}
	for p := 2; p <= 5; p++ {
		code, body = f.get(t, strings.ReplaceAll(m[1], "&amp;", "&"))
		got := rows(body, "results")
		if code != 200 || len(got) != pageSize || !strings.Contains(body, fmt.Sprintf("page %d of 5", p)) || got[0] == first[0] {
			t.Fatalf("search page %d: status %d, %d rows", p, code, len(got))
		}
		m = nextRe.FindStringSubmatch(body)
		if (m == nil) != (p == 5) {
			t.Fatalf("search page %d: next link %v", p, m)
		}
	}
	if code, _ := f.get(t, "/search?q=legion&page=6"); code != 404 {
		t.Errorf("search page 6: status %d, want 404", code)
	}
	if n := count(f.reg, "/search"); n != 1 {
		t.Errorf("five pages of one search made %d registry calls, want 1", n)
	}
}
