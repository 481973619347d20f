package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// seedGraph adds packages to the fixture from a compact description:
// name → version → dependencies (nil for none).
func seedGraph(t *testing.T, fx *fixture, graph map[string]map[string]map[string]string) {
	t.Helper()
	for name, versions := range graph {
		p := legiontest.SeedPackage{Name: name, Owner: "alice"}
		for v, deps := range versions {
			p.Versions = append(p.Versions, legiontest.SeedVersion{Version: v, Dependencies: deps})
		}
		if err := fx.srv.AddPackage(p); err != nil {
			t.Fatal(err)
		}
	}
}

// lockedVersions reads legion.lock as name → version.
func (p *project) lockedVersions() map[string]string {
	p.t.Helper()
	l, err := ParseLock([]byte(p.read(lockFile)))
	if err != nil {
		p.t.Fatal(err)
	}
	out := map[string]string{}
	for name, lp := range l.Packages {
		out[name] = lp.Version
	}
	return out
}

// TestInstallRegistryFailsMidResolution: a 503, then a 429, on a list the
// solver needs ends the install with the registry's error (exit 1, then
// exit 6), writes nothing, and never asks the download-counting endpoint.
func TestInstallRegistryFailsMidResolution(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	seedSolverCases(t, fx)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-a":"^1","legion-b":"^1"}}`)
	before := snapshot(t, p.dir)
	remove := fx.srv.AddFault(legiontest.Fault{Method: http.MethodGet, Path: "/packages/legion-c/versions", Status: http.StatusServiceUnavailable})
	r := p.fails(ExitError, "pkg", "install")
	remove()
	if want := "legion: install: listing versions of legion-c: injected fault: Service Unavailable\n"; r.stderr != want {
		t.Errorf("503: %q, want %q", r.stderr, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "a failed install")
	for _, rq := range fx.srv.Requests() {
		if strings.Count(rq.Path, "/") == 2 && rq.Method == http.MethodGet && strings.HasPrefix(rq.Path, "/packages/") {
			t.Errorf("GET %s counts a download", rq.Path)
		}
	}
	remove = fx.srv.AddFault(legiontest.Fault{Method: http.MethodGet, Path: "/packages/legion-c/versions", Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}}})
	r = p.fails(ExitRateLimit, "pkg", "install")
	remove()
	if want := "legion: install: listing versions of legion-c: rate limited by the registry; retry in 1h\n"; r.stderr != want {
		t.Errorf("429: %q, want %q", r.stderr, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "a rate-limited install")
}

// TestUpdateNamedPackageMovesItsDependencies: `update d2` moves d2 to its
// newest allowed version even when that needs a newer version of a locked
// dependency (which moves with it, as with pub upgrade and cargo update -p);
// it used to say "up to date", the lock-only view of d3 hiding d2 1.1.0.
func TestUpdateNamedPackageMovesItsDependencies(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	seedGraph(t, fx, map[string]map[string]map[string]string{
		"legion-d2": {"1.0.0": {"legion-d3": "^1"}, "1.1.0": {"legion-d3": "^2"}},
		"legion-d3": {"1.0.0": nil, "2.0.0": nil},
		"legion-e":  {"1.0.0": {"legion-d3": "*"}},
	})
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-d2":"^1","legion-e":"^1"}}`)
	p.write(lockFile, `{"lockfileVersion":1,"packages":{"legion-d2":{"version":"1.0.0","dependencies":{"legion-d3":"^1"}},"legion-d3":{"version":"1.0.0"},"legion-e":{"version":"1.0.0","dependencies":{"legion-d3":"*"}}}}`)
	p.ok("pkg", "install")
	if got := p.lockedVersions(); got["legion-d2"] != "1.0.0" || got["legion-d3"] != "1.0.0" {
		t.Fatalf("install moved locked versions: %v", got)
	}
	p.ok("pkg", "update", "legion-d2")
	if got := p.lockedVersions(); got["legion-d2"] != "1.1.0" || got["legion-d3"] != "2.0.0" || got["legion-e"] != "1.0.0" {
		t.Errorf("update legion-d2: %v, want legion-d2 1.1.0, legion-d3 2.0.0 (moved with it), legion-e 1.0.0", got)
	}
}

// TestInstallRangeOfLockedPackageTakesNewest: `install d2@^1` of a package
// already locked unlocks it: it gets the newest version the new range
// allows, moving a locked dependency that must move with it.
func TestInstallRangeOfLockedPackageTakesNewest(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	seedGraph(t, fx, map[string]map[string]map[string]string{
		"legion-d2": {"1.0.0": {"legion-d3": "^1"}, "1.1.0": {"legion-d3": "^2"}},
		"legion-d3": {"1.0.0": nil, "2.0.0": nil},
	})
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-d2":"1.0.0"}}`)
	p.ok("pkg", "install")
	p.ok("pkg", "install", "legion-d2@^1")
	if got := p.lockedVersions(); got["legion-d2"] != "1.1.0" || got["legion-d3"] != "2.0.0" {
		t.Errorf("install legion-d2@^1: %v, want legion-d2 1.1.0 and legion-d3 2.0.0", got)
	}
}

// TestWhyNotInstalledAndStaleLock: a name the lock lacks exits 4 with one
// plain sentence; a lock that legion.json no longer allows is still read,
// with a warning (and lockOutOfDate in --json) instead of a range printed
// beside a version outside it without a word.
func TestWhyNotInstalledAndStaleLock(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-http":"^1.2.0"}}`)
	p.ok("pkg", "install")
	p.env = append(p.env, "LEGION_REGISTRY=http://127.0.0.1:1/api/v1")
	r := p.fails(ExitNotFound, "pkg", "why", "legion-next")
	if want := "legion: why: legion-next is not installed (legion.lock does not have it)\n"; r.stderr != want {
		t.Errorf("why legion-next: %q, want %q", r.stderr, want)
	}
	r = p.ok("pkg", "why", "legion-core")
	if r.stderr != "" {
		t.Errorf("why on a lock that fits warns: %s", r.stderr)
	}
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-http":"^1.2.0","legion-core":"~1.1.0"}}`)
	r = p.ok("pkg", "why", "legion-core")
	if want := "  app → legion-core@1.4.0 (~1.1.0)\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("why legion-core:\n%s", r.stdout)
	}
	if want := "legion: why: warning: legion.lock does not satisfy legion.json: legion.lock has legion-core@1.4.0, outside app → legion-core@~1.1.0"; !strings.HasPrefix(r.stderr, want) {
		t.Errorf("why on a stale lock, stderr:\n%s\nwant prefix:\n%s", r.stderr, want)
	}
	r = p.ok("pkg", "why", "legion-core", "--json")
	var out whyOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.LockOutOfDate, "legion-core@1.4.0, outside app → legion-core@~1.1.0") || len(out.Paths) != 2 {
		t.Errorf("why --json on a stale lock: %s", r.stdout)
	}
}

// seedPigeonhole seeds n+1 packages that must each take one of n "holes"
// (pigN@h depends on holeH at exactly N): unsolvable, and only proved so
// after much backtracking.
func seedPigeonhole(t *testing.T, fx *fixture, n int) (deps string) {
	t.Helper()
	graph := map[string]map[string]map[string]string{}
	var names []string
	for i := 1; i <= n+1; i++ {
		pig := fmt.Sprintf("legion-pig%d", i)
		names = append(names, fmt.Sprintf("%q:\"*\"", pig))
		graph[pig] = map[string]map[string]string{}
		for h := 1; h <= n; h++ {
			graph[pig][fmt.Sprintf("%d.0.0", h)] = map[string]string{fmt.Sprintf("legion-hole%d", h): fmt.Sprintf("%d.0.0", i)}
		}
	}
	for h := 1; h <= n; h++ {
		hole := fmt.Sprintf("legion-hole%d", h)
		graph[hole] = map[string]map[string]string{}
		for i := 1; i <= n+1; i++ {
			graph[hole][fmt.Sprintf("%d.0.0", i)] = nil
		}
	}
	seedGraph(t, fx, graph)
	return "{" + strings.Join(names, ",") + "}"
}

// TestBacktrackingDownloadsEachPackageOnce: downloads start as the solver
// chooses versions, but once it moves a package it had chosen (it is
// backtracking) they wait for the answer: a search that tries version
// after version does not download each one it tries (it used to download
// 24 versions of 6 packages for an install that then failed).
func TestBacktrackingDownloadsEachPackageOnce(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	deps := seedPigeonhole(t, fx, 6)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":`+deps+`}`)
	fx.srv.ResetRequests()
	p.fails(ExitConflict, "pkg", "install")
	downloads := map[string][]string{}
	n := 0
	for _, r := range fx.srv.Requests() {
		if parts := strings.Split(strings.TrimPrefix(r.Path, "/packages/"), "/"); len(parts) == 3 && parts[2] == "download" {
			downloads[parts[0]] = append(downloads[parts[0]], parts[1])
			n++
		}
	}
	for name, vs := range downloads {
		if len(vs) > 1 {
			t.Errorf("a failed install downloaded %d versions of %s (%v); %d downloads in all", len(vs), name, vs, n)
		}
	}
}
