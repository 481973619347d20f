package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// Commands that need no token work when the credentials file is corrupt
// or unreadable, with one warning line on stderr; the ones that need a
// token keep their error.
func TestBrokenCredentialsDoNotStopTokenlessCommands(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, broken := range []string{"corrupt", "unreadable"} {
		t.Run(broken, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, fx)
			p.ok("pkg", "init")
			p.ok("pkg", "install", "legion-http@^1.0.0")
			path := filepath.Join(p.home, ".config", "legion", "credentials.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			if broken == "corrupt" {
				if err := os.WriteFile(path, []byte(`{"token": "lgn_`), 0o600); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Mkdir(path, 0o700); err != nil { // read fails, even as root
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"pkg", "install"},
				{"pkg", "install", "legion-json@^1.0.0"},
				{"pkg", "update"},
				{"pkg", "remove", "legion-json"},
				{"pkg", "audit", "--level", "critical"},
				{"pkg", "outdated"},
				{"pkg", "info", "legion-core"},
				{"pkg", "info", "legion-core@1.0.0"},
				{"pkg", "search", "legion"},
				{"pkg", "list"},
			} {
				r := p.ok(args...)
				lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
				if args[1] == "list" { // offline: it never reads the file
					if r.stderr != "" {
						t.Errorf("legion %s: stderr %q", strings.Join(args, " "), r.stderr)
					}
					continue
				}
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "legion: warning: reading credentials: ") ||
					!strings.Contains(lines[0], path) || !strings.HasSuffix(lines[0], "going on without them, with registry "+fx.srv.URL) {
					t.Errorf("legion %s: stderr is not the one warning line:\n%s", strings.Join(args, " "), r.stderr)
				}
			}
			for _, args := range [][]string{{"pkg", "whoami"}, {"pkg", "publish"}} {
				r := p.fails(ExitError, args...)
				if !strings.Contains(r.stderr, path) || strings.Contains(r.stderr, "warning") {
					t.Errorf("legion %s: %s", strings.Join(args, " "), r.stderr)
				}
			}
		})
	}
}

// Versions are matched with their build metadata: the registry treats
// 1.0.0-rc.1+build.6 as the 1.0.0-rc.1+build.5 it holds, the CLI does not.
func TestBuildMetadataMatchedExactly(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	if err := fx.srv.AddPackage(legiontest.SeedPackage{Name: "legion-rc", Owner: "alice", Description: "A build",
		Versions: []legiontest.SeedVersion{{Version: "1.0.0-rc.1+build.5"}}}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	if r := p.ok("pkg", "info", "legion-rc@1.0.0-rc.1+build.5"); !strings.HasPrefix(r.stdout, "legion-rc@1.0.0-rc.1+build.5\n") {
		t.Errorf("info of the build the registry has:\n%s", r.stdout)
	}
	for _, args := range [][]string{
		{"pkg", "info", "legion-rc@1.0.0-rc.1+build.6"},
		{"pkg", "info", "legion-rc@1.0.0-rc.1"},
	} {
		r := p.fails(ExitNotFound, args...)
		if strings.Contains(r.stdout, "build.5") || !strings.Contains(r.stderr, "(the registry has legion-rc@1.0.0-rc.1+build.5; build metadata must match)") {
			t.Errorf("legion %s: %v", strings.Join(args, " "), r)
		}
	}

	// A lock naming a build the registry lacks names a missing version.
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-rc@^1.0.0-rc.1")
	lock := p.read(lockFile)
	if !strings.Contains(lock, `"1.0.0-rc.1+build.5"`) {
		t.Fatalf("lock:\n%s", lock)
	}
	p.write(lockFile, strings.Replace(lock, "+build.5", "+build.6", 1))
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, p.dir)
	r := p.fails(ExitNotFound, "pkg", "install", "--frozen")
	if !strings.Contains(r.stderr, "legion.lock names a version the registry does not have") ||
		!strings.Contains(r.stderr, "legion-rc@1.0.0-rc.1+build.6 not found (the registry has legion-rc@1.0.0-rc.1+build.5") {
		t.Errorf("install --frozen: %s", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install --frozen of a missing build")
	r = p.fails(ExitNotFound, "pkg", "install")
	if !strings.Contains(r.stderr, "legion-rc@1.0.0-rc.1+build.6 not found") {
		t.Errorf("install: %s", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install of a missing build")
}
