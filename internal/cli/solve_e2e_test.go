package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// seedSolverCases adds the example to the fixture: legion-a 1.1.0
// needs legion-c ^2, while legion-b needs ^1; legion-a 1.0.0 fits both.
func seedSolverCases(t *testing.T, fx *fixture) {
	t.Helper()
	for _, p := range []legiontest.SeedPackage{
		{Name: "legion-a", Owner: "alice", Versions: []legiontest.SeedVersion{
			{Version: "1.0.0", Dependencies: map[string]string{"legion-c": "^1.0.0"}},
			{Version: "1.1.0", Dependencies: map[string]string{"legion-c": "^2.0.0"}},
		}},
		{Name: "legion-b", Owner: "alice", Versions: []legiontest.SeedVersion{
			{Version: "1.0.0", Dependencies: map[string]string{"legion-c": "^1.0.0"}},
		}},
		{Name: "legion-c", Owner: "alice", Readme: "# c\n", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}, {Version: "2.0.0"}}},
	} {
		if err := fx.srv.AddPackage(p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInstallFindsTheOlderVersionThatFits: the example installs
// (the greedy solver failed it with exit 5), writing a lock that --frozen
// then installs without resolving.
func TestInstallFindsTheOlderVersionThatFits(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	seedSolverCases(t, fx)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-a":"^1","legion-b":"^1"}}`)
	p.ok("pkg", "install")
	lock := p.read(lockFile)
	for _, want := range []string{`"legion-a": {`, `"version": "1.0.0"`} {
		if !strings.Contains(lock, want) {
			t.Errorf("legion.lock lacks %s:\n%s", want, lock)
		}
	}
	l, err := ParseLock([]byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"legion-a": "1.0.0", "legion-b": "1.0.0", "legion-c": "1.0.0"} {
		if got := l.Packages[name].Version; got != want {
			t.Errorf("%s@%s, want %s", name, got, want)
		}
	}
	if got := p.read("legion_modules/legion-c/README.md"); got != "# c\n" {
		t.Errorf("legion_modules/legion-c/README.md = %q", got)
	}

	// --frozen never solves: it checks the lock and lists no versions.
	fx.srv.ResetRequests()
	p.ok("pkg", "install", "--frozen")
	for _, r := range fx.srv.Requests() {
		if strings.HasSuffix(r.Path, "/versions") {
			t.Errorf("install --frozen listed versions: %s %s", r.Method, r.Path)
		}
	}
	// A lock that no longer satisfies legion.json: --frozen fails, and
	// does not resolve it.
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-a":"^1.1.0","legion-b":"^1"}}`)
	fx.srv.ResetRequests()
	p.fails(ExitError, "pkg", "install", "--frozen")
	if n := len(fx.srv.Requests()); n != 0 {
		t.Errorf("a refused --frozen made %d requests", n)
	}
}

// TestInstallExplainsAConflict: no solution: pub's explanation on stderr,
// exit 5, the derivation as data under --json, and nothing written.
func TestInstallExplainsAConflict(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	seedSolverCases(t, fx)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-a":"^1.1.0","legion-b":"^1.0.0"}}`)
	before := snapshot(t, p.dir)
	r := p.fails(ExitConflict, "pkg", "install")
	want := "legion: install: no set of versions satisfies every dependency:\n" +
		"Because legion-a >=1.1.0 depends on legion-c ^2.0.0 and legion-b depends on legion-c ^1.0.0, legion-a >=1.1.0 is incompatible with legion-b.\n" +
		"So, because app depends on both legion-a ^1.1.0 and legion-b ^1.0.0, version solving failed.\n"
	if r.stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "a conflicting install")

	r = p.fails(ExitConflict, "pkg", "install", "--json")
	var out struct {
		Error struct {
			Code       string `json:"code"`
			ExitCode   int    `json:"exitCode"`
			Message    string `json:"message"`
			Derivation struct {
				Steps []struct {
					ID    int    `json:"id"`
					Kind  string `json:"kind"`
					Text  string `json:"text"`
					From  []int  `json:"from"`
					Terms []struct {
						Package  string   `json:"package"`
						Positive bool     `json:"positive"`
						Versions []string `json:"versions"`
					} `json:"terms"`
				} `json:"steps"`
				Lines []struct {
					Number int    `json:"number"`
					Text   string `json:"text"`
				} `json:"lines"`
			} `json:"derivation"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json stdout: %v\n%s", err, r.stdout)
	}
	steps := out.Error.Derivation.Steps
	if out.Error.Code != "conflict" || out.Error.ExitCode != ExitConflict || !strings.HasPrefix(out.Error.Message, "install: no set of versions") ||
		len(steps) != 7 || steps[6].Text != "version solving failed" || len(out.Error.Derivation.Lines) != 2 {
		t.Fatalf("--json: %s", r.stdout)
	}
	if s := steps[0]; s.Kind != "dependency" || s.Text != "legion-b depends on legion-c ^1.0.0" || s.Terms[1].Package != "legion-c" || s.Terms[1].Positive {
		t.Errorf("first step: %+v", s)
	}
}

// TestInstallMissingPackageExplained: exit 4 when the proof rests on a
// package the registry does not have; an older version without it is
// used when there is one.
func TestInstallMissingPackageExplained(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	if err := fx.srv.AddPackage(legiontest.SeedPackage{Name: "legion-z", Owner: "alice", Versions: []legiontest.SeedVersion{
		{Version: "1.0.0"},
		{Version: "1.1.0", Dependencies: map[string]string{"legion-gone": "^1"}},
	}}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-z":"^1"}}`)
	p.ok("pkg", "install")
	if l := p.read(lockFile); !strings.Contains(l, `"version": "1.0.0"`) {
		t.Errorf("legion.lock:\n%s", l)
	}
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-z":"^1.1"}}`)
	r := p.fails(ExitNotFound, "pkg", "install")
	if want := "Because app depends on legion-z ^1.1 which depends on legion-gone which doesn't exist, version solving failed.\n"; !strings.HasSuffix(r.stderr, want) {
		t.Errorf("stderr:\n%s\nwant suffix:\n%s", r.stderr, want)
	}
}

// TestUpdateUnlocksAndSolvesAgain: install keeps a locked version while it
// fits; update <pkg> (and update) moves it to the newest allowed.
func TestUpdateUnlocksAndSolvesAgain(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-http":"^1.0.0"}}`)
	p.write(lockFile, `{"lockfileVersion":1,"packages":{"legion-core":{"version":"1.1.0"},"legion-http":{"dependencies":{"legion-core":"^1.0.0"},"version":"1.0.0"}}}`)
	p.ok("pkg", "install")
	version := func(name string) string {
		l, err := ParseLock([]byte(p.read(lockFile)))
		if err != nil {
			t.Fatal(err)
		}
		return l.Packages[name].Version
	}
	if version("legion-http") != "1.0.0" || version("legion-core") != "1.1.0" {
		t.Fatalf("install moved locked versions:\n%s", p.read(lockFile))
	}
	p.ok("pkg", "update", "legion-core")
	if version("legion-http") != "1.0.0" || version("legion-core") != "1.4.0" {
		t.Fatalf("update legion-core:\n%s", p.read(lockFile))
	}
	p.ok("pkg", "update")
	if version("legion-http") != "1.2.0" || version("legion-log") != "0.3.2" {
		t.Fatalf("update:\n%s", p.read(lockFile))
	}
}

// TestWhy: every path to an installed package, from the lock alone.
func TestWhy(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.write(manifestFile, `{"name":"app","version":"1.0.0","dependencies":{"legion-http":"^1.2.0","legion-json":"^1","legion-ping":"^1"}}`)
	p.ok("pkg", "install")
	// No request: the registry is unreachable from here on.
	p.env = append(p.env, "LEGION_REGISTRY=http://127.0.0.1:1/api/v1")
	r := p.ok("pkg", "why", "legion-core")
	want := "legion-core@1.4.0 is installed through 2 paths:\n" +
		"  app → legion-http@1.2.0 (^1.2.0) → legion-core@1.4.0 (^1.1.0)\n" +
		"  app → legion-json@1.0.0 (^1) → legion-core@1.4.0 (^1.0.0)\n"
	if r.stdout != want {
		t.Errorf("why legion-core:\n%s\nwant:\n%s", r.stdout, want)
	}
	// A cycle is followed once.
	r = p.ok("pkg", "why", "legion-ping", "--json")
	var out whyOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != "legion-ping" || out.Version != "1.0.0" || out.Project != "app" || len(out.Paths) != 1 ||
		len(out.Paths[0]) != 1 || out.Paths[0][0] != (whyStep{Name: "legion-ping", Range: "^1", Version: "1.0.0"}) {
		t.Errorf("why legion-ping --json: %s", r.stdout)
	}
	r = p.ok("pkg", "why", "legion-pong")
	if want := "  app → legion-ping@1.0.0 (^1) → legion-pong@1.0.0 (^1.0.0)\n"; !strings.HasSuffix(r.stdout, want) {
		t.Errorf("why legion-pong:\n%s", r.stdout)
	}
	p.fails(ExitNotFound, "pkg", "why", "legion-next")
	p.fails(ExitUsage, "pkg", "why")
}
