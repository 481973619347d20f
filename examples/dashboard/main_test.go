package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// registry holds n packages; legion-pkg-NNN has NNN*10 downloads.
func registry(t *testing.T, n int) *legiontest.Server {
	t.Helper()
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	seed := legiontest.Seed{Users: []legiontest.SeedUser{{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"}}}
	for i := 1; i <= n; i++ {
		seed.Packages = append(seed.Packages, legiontest.SeedPackage{
			Name: fmt.Sprintf("legion-pkg-%03d", i), Owner: "bob", Downloads: int64(i * 10),
			Versions: []legiontest.SeedVersion{{Version: fmt.Sprintf("1.%d.0", i), PublishedAt: day.Add(time.Duration(i) * time.Hour)}},
		})
	}
	return legiontest.NewServer(t, legiontest.WithSeed(seed))
}

func dashboard(t *testing.T, srv *legiontest.Server, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"-registry", srv.URL}, args...), func(string) string { return "" }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTable(t *testing.T) {
	t.Parallel()
	srv := registry(t, 5)
	code, out, errOut := dashboard(t, srv, "-top", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"5 packages · 1 users · 150 downloads", "Top 3 by downloads", "PACKAGE"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	rows := lines[len(lines)-3:]
	for i, name := range []string{"legion-pkg-005", "legion-pkg-004", "legion-pkg-003"} {
		if f := strings.Fields(rows[i]); len(f) < 6 || f[0] != fmt.Sprint(i+1) || f[1] != name || f[3] != "bob" {
			t.Errorf("row %d: %q, want %s", i+1, rows[i], name)
		}
	}
	// Listings do not count downloads.
	if got := srv.Downloads("legion-pkg-005"); got != 50 {
		t.Errorf("downloads of legion-pkg-005 moved to %d", got)
	}
}

func TestJSONAcrossPages(t *testing.T) {
	t.Parallel()
	srv := registry(t, 130)
	code, out, errOut := dashboard(t, srv, "-json", "-top", "120", "-sort", "name")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d Dashboard
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if d.Packages != 130 || d.Downloads != 130*131/2*10 || len(d.Top) != 120 || d.Top[119].Name != "legion-pkg-120" || d.Top[0].Latest != "1.1.0" {
		t.Fatalf("dashboard: %d packages, %d downloads, %d entries", d.Packages, d.Downloads, len(d.Top))
	}
	// Stats, then two pages of 100: no more requests than needed.
	var pages []string
	for _, r := range srv.Requests() {
		if r.Path == "/packages" {
			pages = append(pages, r.Query)
		}
	}
	if len(pages) != 2 {
		t.Fatalf("listing requests: %q", pages)
	}
}

func TestFewerPackagesThanTop(t *testing.T) {
	t.Parallel()
	srv := registry(t, 2)
	code, out, _ := dashboard(t, srv, "-json")
	var d Dashboard
	json.Unmarshal([]byte(out), &d)
	if code != 0 || len(d.Top) != 2 {
		t.Fatalf("exit %d, %d entries", code, len(d.Top))
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	srv := registry(t, 1)
	for _, args := range [][]string{{"-top", "0"}, {"-sort", "stars"}, {"extra"}, {"-nope"}} {
		if code, _, _ := dashboard(t, srv, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	srv.AddFault(legiontest.Fault{Path: "/stats", Status: 404})
	if code, _, msg := dashboard(t, srv); code != 1 || !strings.Contains(msg, "stats") {
		t.Errorf("registry error: exit %d %q", code, msg)
	}
}

func TestGroup(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 23000: "23,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}
