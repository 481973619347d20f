package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
