package cli

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// legionBin is the command built once by TestMain.
var legionBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "legion-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	legionBin = filepath.Join(dir, "legion")
	if runtime.GOOS == "windows" {
		legionBin += ".exe"
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(gobin, "build", "-o", legionBin, "github.com/legion-registry/legion-go/cmd/legion")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building legion:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The fixture registry.
const (
	alicePassword = "hunter2xx"
	fixedTime     = "2025-01-02T03:04:05Z"
)

type fixture struct {
	srv        *legiontest.Server
	aliceToken string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	start, _ := time.Parse(time.RFC3339, fixedTime)
	srv := legiontest.NewServer(t, legiontest.WithClock(legiontest.NewManualClock(start)), legiontest.WithTokenSeed(42))
	tok, err := srv.AddUser("alice", "alice@example.com", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := []legiontest.SeedPackage{
		{Name: "legion-core", Description: "Core utilities for Legion packages", License: "MIT", Keywords: []string{"core"},
			Readme: "# legion-core\n", Downloads: 1200,
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}, {Version: "1.1.0"}, {Version: "1.4.0"}, {Version: "2.0.0"}}},
		{Name: "legion-http", Description: "HTTP client & server", License: "MIT", Keywords: []string{"http", "client"},
			Readme: "# legion-http\n\nFetch things.\n", Downloads: 900,
			Versions: []legiontest.SeedVersion{
				{Version: "1.0.0", Dependencies: map[string]string{"legion-core": "^1.0.0"}},
				{Version: "1.2.0", Dependencies: map[string]string{"legion-core": "^1.1.0", "legion-log": "^0.3.0"}},
			}},
		{Name: "legion-log", Description: "Structured logging", License: "Apache-2.0", Downloads: 300,
			Versions: []legiontest.SeedVersion{{Version: "0.3.0"}, {Version: "0.3.2"}, {Version: "1.0.0"}}},
		{Name: "legion-json", Description: "JSON helpers", License: "MIT", Keywords: []string{"json"}, Downloads: 50,
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"legion-core": "^1.0.0"}}}},
		{Name: "legion-next", Description: "Needs the next core", License: "MIT",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"legion-core": "^2.0.0"}}}},
		{Name: "legion-ping", Description: "Half of a cycle", License: "MIT",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"legion-pong": "^1.0.0"}}}},
		{Name: "legion-pong", Description: "The other half", License: "MIT",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"legion-ping": "^1.0.0"}}}},
	}
	for _, p := range pkgs {
		p.Owner = "alice"
		if err := srv.AddPackage(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.AddAdvisory(legiontest.SeedAdvisory{
		ID: "LEGION-2025-0001", Package: "legion-log", Affected: "<0.4.0", Severity: legion.SeverityHigh,
		Title: "Log injection through unescaped newlines",
	}); err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, aliceToken: tok}
}

// project is a temporary home with a project directory "myapp" in it.
type project struct {
	t    *testing.T
	fx   *fixture
	home string
	dir  string
	env  []string // extra environment
}

func newProject(t *testing.T, fx *fixture) *project {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, "myapp")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &project{t: t, fx: fx, home: home, dir: dir}
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// command is the built legion with args, to run in the project directory.
func (p *project) command(args ...string) *exec.Cmd {
	cmd := exec.Command(legionBin, args...)
	cmd.Dir = p.dir
	cmd.Env = append([]string{
		"HOME=" + p.home,
		"XDG_CONFIG_HOME=" + filepath.Join(p.home, ".config"),
		"AppData=" + filepath.Join(p.home, "AppData"),
		"LEGION_REGISTRY=" + p.fx.srv.URL,
	}, p.env...)
	return cmd
}

// run runs the built legion in the project directory with stdin.
func (p *project) run(stdin string, args ...string) result {
	p.t.Helper()
	cmd := p.command(args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatalf("running legion %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// ok runs a command that must succeed.
func (p *project) ok(args ...string) result {
	p.t.Helper()
	r := p.run("", args...)
	if r.code != 0 {
		p.t.Fatalf("legion %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// fails runs a command that must exit with code, with one line on stderr
// (or, for a resolution that cannot exist, the solver's explanation: one
// sentence a line, ending in "version solving failed.").
func (p *project) fails(code int, args ...string) result {
	p.t.Helper()
	r := p.run("", args...)
	if r.code != code {
		p.t.Fatalf("legion %s: want exit %d, got %v", strings.Join(args, " "), code, r)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	explained := strings.HasSuffix(lines[len(lines)-1], ", version solving failed.")
	if !strings.HasPrefix(lines[0], "legion: ") || (len(lines) > 1 && code != ExitUsage && !explained) {
		p.t.Errorf("legion %s: stderr is not one 'legion: …' line:\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

func (p *project) write(name, content string) {
	p.t.Helper()
	if err := os.WriteFile(filepath.Join(p.dir, name), []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *project) read(name string) string {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, name))
	if err != nil {
		p.t.Fatal(err)
	}
	return string(b)
}

// elapsedRE is the time a summary line reports ("added 3 packages in 0.2s").
var elapsedRE = regexp.MustCompile(` in [0-9]+\.[0-9]s\b`)

// normalize replaces what varies between runs.
func (p *project) normalize(s string) string {
	s = strings.ReplaceAll(s, p.fx.srv.URL, "$REGISTRY")
	s = strings.ReplaceAll(s, p.dir, "$DIR")
	s = elapsedRE.ReplaceAllString(s, " in X.Xs")
	return s
}

// golden compares got with testdata/<name>.golden (or rewrites it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// fileState is one file or directory of a snapshot.
type fileState struct {
	content string
	mode    fs.FileMode
	mtime   time.Time
}

// snapshot records every file under dir (content, mode, mtime).
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{mode: info.Mode(), mtime: info.ModTime()}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.content = string(b)
		}
		if rel != "." {
			out[filepath.ToSlash(rel)] = st
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSnapshot fails when before and after differ in any file (mtimes of
// directories aside when checkDirMtime is false).
func sameSnapshot(t *testing.T, before, after map[string]fileState, what string) {
	t.Helper()
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("%s: %s disappeared", what, name)
		case a.content != b.content:
			t.Errorf("%s: %s changed:\nbefore:\n%s\nafter:\n%s", what, name, b.content, a.content)
		case a.mode != b.mode:
			t.Errorf("%s: %s mode %v → %v", what, name, b.mode, a.mode)
		case !a.mode.IsDir() && !a.mtime.Equal(b.mtime):
			t.Errorf("%s: %s was rewritten (mtime %v → %v)", what, name, b.mtime, a.mtime)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s: %s appeared", what, name)
		}
	}
}
