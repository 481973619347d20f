package legiontest

import (
	"fmt"
	"net/http"
	"path"
	"strings"
)

// Patterns select requests for faults and for RequestsTo. A pattern is a
// path below /api/v1 whose segments are path.Match globs ("*" stops at
// "/"), and a segment "**" matches any number of segments, none included:
// "/**" is every route, "/packages/**" every route below /packages.

// matchPattern reports whether pattern matches the path p.
func matchPattern(pattern, p string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(p, "/"))
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// apiRoutes are the API's routes as segment templates: "?" is one segment
// of any text, "+" one or more (a package name or a username may hold a
// "/", which a pattern may see unescaped).
var apiRoutes = []struct{ method, path string }{
	{"POST", "/auth/signup"},
	{"POST", "/auth/login"},
	{"GET", "/auth/me"},
	{"GET", "/tokens"},
	{"POST", "/tokens"},
	{"DELETE", "/tokens/+"},
	{"GET", "/packages"},
	{"POST", "/packages/publish"},
	{"POST", "/packages/unpublish"},
	{"GET", "/packages/+"},
	{"GET", "/packages/+/versions"},
	{"GET", "/packages/+/?/download"},
	{"GET", "/search"},
	{"GET", "/users/+"},
	{"GET", "/users/+/packages"},
	{"GET", "/stats"},
	{"POST", "/audit"},
}

// CheckPattern reports an error when method and pattern, as a Fault or
// RequestsTo takes them, are malformed or can match no request to a route
// of the API: "/package/*" or "GET /audit" would silently select nothing.
// A glob segment stops at "/": "/packages*" is accepted and matches
// /packages only (the listing), not the routes below it; use "/packages/**".
// An empty method or "*" stands for every method; HEAD for GET's routes.
func CheckPattern(method, pattern string) error {
	if method == "*" {
		method = ""
	}
	if pattern == "" {
		return nil
	}
	for _, s := range strings.Split(pattern, "/") {
		if s == "**" {
			continue
		}
		if strings.Contains(s, "**") {
			return fmt.Errorf("pattern %q: ** must be a whole segment", pattern)
		}
		if _, err := path.Match(s, ""); err != nil {
			return fmt.Errorf("pattern %q: %v", pattern, err)
		}
	}
	if !strings.HasPrefix(pattern, "/") && pattern != "**" {
		return fmt.Errorf("pattern %q: want a path below %s such as /packages/*", pattern, BasePath)
	}
	m := strings.ToUpper(method)
	if m == http.MethodHead {
		m = http.MethodGet
	}
	for _, rt := range apiRoutes {
		if (m == "" || m == rt.method) && overlap(strings.Split(pattern, "/"), expand(strings.Split(rt.path, "/"))) {
			return nil
		}
	}
	what := pattern
	if method != "" {
		what = method + " " + pattern
	}
	return fmt.Errorf("pattern %q matches no route of the API (use ** for any number of segments, * stops at /)", what)
}

// expand turns a template's "+" into "?" followed by "*" (zero or more).
func expand(t []string) []string {
	out := make([]string, 0, len(t)+2)
	for _, s := range t {
		if s == "+" {
			out = append(out, "?", "*")
		} else {
			out = append(out, s)
		}
	}
	return out
}

// overlap reports whether some path matches both the pattern's segments
// and the template's ("?" one segment of any text, "*" any number).
func overlap(pat, tpl []string) bool {
	if len(pat) == 0 {
		for _, t := range tpl {
			if t != "*" {
				return false
			}
		}
		return true
	}
	if len(tpl) == 0 {
		for _, p := range pat {
			if p != "**" {
				return false
			}
		}
		return true
	}
	p, t := pat[0], tpl[0]
	if p == "**" && overlap(pat[1:], tpl) {
		return true
	}
	if t == "*" && overlap(pat, tpl[1:]) {
		return true
	}
	if p == "**" && t == "*" {
		return false // both absorbing a segment changes nothing
	}
	// One concrete segment, matched by both.
	switch {
	case p == "**", t == "*", t == "?":
	default:
		if ok, _ := path.Match(p, t); !ok {
			return false
		}
	}
	if p != "**" {
		pat = pat[1:]
	}
	if t != "*" {
		tpl = tpl[1:]
	}
	return overlap(pat, tpl)
}
