package legion

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/legion-http/versions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"versions":[
			{"version":"1.0.0"},{"version":"1.4.2","dependencies":{"legion-core":"^2"}},{"version":"1.5.0-rc.1"},
			{"version":"2.0.0-beta.1"},{"version":"0.9.0"},{"version":"1.2.3"}]}`)
	})
	// GET /packages/:name counts a download: Resolve must never call it.
	srv.handle("/packages/legion-http", func(w http.ResponseWriter, r *http.Request) {
		t.Error("Resolve called GET /packages/:name")
	})
	tests := map[string]string{
		"^1.0.0":         "1.4.2",
		"~1.2":           "1.2.3",
		">=1 <2":         "1.4.2",
		"1.x":            "1.4.2",
		"*":              "1.4.2",
		"latest":         "1.4.2",
		"<1":             "0.9.0",
		">=1.5.0-rc.0":   "1.5.0-rc.1", // 2.0.0-beta.1 is a prerelease of another triple
		"^1.5.0-rc.0":    "1.5.0-rc.1",
		"^2.0.0-alpha":   "2.0.0-beta.1",
		"1.0.0 || 0.9.0": "1.0.0",
		"1.2.3 - 1.4.0":  "1.2.3",
		"^1.4.2 || ^0.9": "1.4.2",
		// npm admits 1.5.0-rc.1 only if a comparator carries a prerelease on
		// 1.5.0; "<2.0.0-0" is on 2.0.0, so nothing matches.
		">1.4.2 <2.0.0-0": "",
	}
	for rng, want := range tests {
		got, err := c.Resolve(context.Background(), "legion-http", rng)
		if want == "" {
			if !errors.Is(err, ErrNoMatchingVersion) {
				t.Errorf("Resolve(%q) = %v, %v; want ErrNoMatchingVersion", rng, got, err)
			}
			continue
		}
		if err != nil || got.Version.String() != want || got.Name != "legion-http" {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", rng, got, err, want)
		}
	}
	got, err := c.Resolve(context.Background(), "legion-http", "~1.4")
	if err != nil || got.Dependencies["legion-core"] != "^2" {
		t.Errorf("Resolve kept no dependencies: %+v, %v", got, err)
	}
	if _, err := c.Resolve(context.Background(), "legion-http", "^3"); !errors.Is(err, ErrNoMatchingVersion) {
		t.Errorf("Resolve(^3) err = %v, want ErrNoMatchingVersion", err)
	}
}

func TestResolveUnknownPackage(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/nope/versions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"success":false,"error":"package not found"}`)
	})
	if _, err := c.Resolve(context.Background(), "nope", "^1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

// "latest" of a package with only prereleases is its highest prerelease,
// as the registry's own latest is.
func TestResolveLatestOnlyPrereleases(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/p/versions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"versions":["0.1.0-alpha","0.1.0-beta.2","0.1.0-beta.10"]}`)
	})
	got, err := c.Resolve(context.Background(), "p", Latest)
	if err != nil || got.Version.String() != "0.1.0-beta.10" {
		t.Errorf("Resolve(latest) = %v, %v; want 0.1.0-beta.10", got, err)
	}
	if _, err := c.Resolve(context.Background(), "p", "*"); !errors.Is(err, ErrNoMatchingVersion) {
		t.Errorf("Resolve(*) err = %v, want ErrNoMatchingVersion", err)
	}
}
