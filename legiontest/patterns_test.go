package legiontest_test

import (
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// TestFaultDoubleStar checks that "**" spans any number of segments, so
// one fault covers an install's requests, where "/*" covers none of them.
func TestFaultDoubleStar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern string
		hits    []bool // for the paths below, in order
	}{
		{"/**", []bool{true, true, true, true}},
		{"/packages/**", []bool{true, true, true, false}},
		{"/packages/**/download", []bool{false, false, true, false}},
		{"/**/versions", []bool{false, true, false, false}},
		{"/packages/*", []bool{true, false, false, false}},
	} {
		srv, _ := rawServer(t)
		srv.AddFault(legiontest.Fault{Method: "GET", Path: tc.pattern, Status: 503})
		for i, p := range []string{"/packages/lib", "/packages/lib/versions", "/packages/lib/1.0.0/download", "/stats"} {
			r := do(t, srv, "GET", p, "")
			if got := r.Status == 503; got != tc.hits[i] {
				t.Errorf("fault %q on GET %s: status %d, want hit %v", tc.pattern, p, r.Status, tc.hits[i])
			}
		}
	}
}

// TestPatternMatchingNoRoute checks that a pattern no route can match is
// refused with an error naming it, by CheckPattern, AddFault and
// RequestsTo, and that patterns some route matches are accepted.
func TestPatternMatchingNoRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ method, pattern string }{
		{"GET", "/pkgs/*"},
		{"", "/package/*"},
		{"GET", "/audit"},
		{"POST", "/packages/*/versions"},
		{"", "/stats/*"},
		{"", "/search/*"},
		{"", "packages"},
		{"", "/packages/["},
	} {
		err := legiontest.CheckPattern(tc.method, tc.pattern)
		if err == nil || !strings.Contains(err.Error(), tc.pattern) {
			t.Errorf("CheckPattern(%q, %q) = %v, want an error naming it", tc.method, tc.pattern, err)
		}
		if err := (legiontest.Fault{Method: tc.method, Path: tc.pattern, Status: 500}).Validate(); err == nil || !strings.Contains(err.Error(), "fault") {
			t.Errorf("Fault{%q, %q}.Validate() = %v", tc.method, tc.pattern, err)
		}
	}
	for _, tc := range []struct{ method, pattern string }{
		{"", ""}, {"", "/**"}, {"*", "/**"}, {"HEAD", "/packages/*"}, {"GET", "/packages/@scope/lib"},
		{"DELETE", "/tokens/*"}, {"GET", "/packages/a%2Fb"}, {"GET", "/users/*/packages"}, {"POST", "/packages/publish"},
		{"GET", "/packages/*/*/download"}, {"GET", "/**/download"}, {"POST", "/**"},
	} {
		if err := legiontest.CheckPattern(tc.method, tc.pattern); err != nil {
			t.Errorf("CheckPattern(%q, %q): %v", tc.method, tc.pattern, err)
		}
	}
	srv, _ := rawServer(t)
	func() {
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(string), "/pkgs*") {
				t.Errorf("AddFault with /pkgs*: panic %v", p)
			}
		}()
		srv.AddFault(legiontest.Fault{Path: "/pkgs*", Status: 500})
	}()
}

// "/packages*" is what the doc says: accepted, and the listing only, since
// a glob segment stops at "/".
func TestPatternGlobSegmentStopsAtSlash(t *testing.T) {
	t.Parallel()
	if err := legiontest.CheckPattern("", "/packages*"); err != nil {
		t.Fatalf("CheckPattern(/packages*) = %v", err)
	}
	srv, _ := rawServer(t)
	srv.AddFault(legiontest.Fault{Path: "/packages*", Status: 503})
	for path, status := range map[string]int{"/packages": 503, "/packages?page=2": 503, "/packages/lib": 200, "/packages/lib/versions": 200} {
		if got := do(t, srv, "GET", path, "").Status; got != status {
			t.Errorf("GET %s under /packages*: %d, want %d", path, got, status)
		}
	}
}
