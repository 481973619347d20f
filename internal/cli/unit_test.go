package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

func TestManifestRoundTrip(t *testing.T) {
	in := `{
  "dependencies": {"b": "^2", "a": "~1.2"},
  "name": "app",
  "scripts": {"test": "go test"},
  "version": "1.0.0",
  "author": "alice <a@example.com>",
  "keywords": ["x", "y"]
}`
	m, err := ParseManifest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "app" || m.Version != "1.0.0" || m.Dependencies["a"] != "~1.2" || !slices.Equal(m.Keywords, []string{"x", "y"}) {
		t.Errorf("parsed %+v", m)
	}
	out := m.Marshal()
	want := `{
  "name": "app",
  "version": "1.0.0",
  "description": "",
  "license": "",
  "keywords": [
    "x",
    "y"
  ],
  "dependencies": {
    "a": "~1.2",
    "b": "^2"
  },
  "author": "alice <a@example.com>",
  "scripts": {
    "test": "go test"
  }
}
`
	if string(out) != want {
		t.Errorf("marshalled:\n%s\nwant:\n%s", out, want)
	}
	// Stable: parse and marshal again gives the same bytes.
	m2, err := ParseManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m2.Marshal(), out) {
		t.Error("a second round trip changed the bytes")
	}
	// clone is deep.
	c := m.clone()
	c.Dependencies["z"] = "*"
	if _, ok := m.Dependencies["z"]; ok {
		t.Error("clone shares its dependencies")
	}
}

func TestManifestErrors(t *testing.T) {
	for in, want := range map[string]string{
		`[]`:                          "expected an object of package settings, found an array",
		`null`:                        "expected an object of package settings, found null",
		`{"name": 3}`:                 `field "name": expected a string, found number`,
		`{"dependencies": ["a"]}`:     `field "dependencies": expected an object of strings, found array`,
		`{"keywords": "a"}`:           `field "keywords": expected a list of strings, found string`,
		`{"name": "a", "version": 1`:  "line 1, column 26",
		`{"dependencies": {"a": 1}}`:  `field "dependencies"`,
		`{"name": "a", "extra": nul}`: "line 1, column 27: invalid character '}'",
		"{\n  \"name\": \"a\",\n  \"version\": 1.0.0\n}": "line 3, column 17",
	} {
		_, err := ParseManifest([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseManifest(%s) = %v, want %q", in, err, want)
		}
	}
	m := &Manifest{Dependencies: map[string]string{"ok": "^1", "bad": ">=>"}}
	if err := m.checkDependencies(); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("checkDependencies = %v", err)
	}
}

func TestCheckPackageName(t *testing.T) {
	for _, ok := range []string{"legion-http", "a", "A.b_c-1", "x.y"} {
		if err := checkPackageName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", `a\b`, ".hidden", "-x", "_x", "a b", "a\x00", "é", strings.Repeat("a", 215)} {
		if err := checkPackageName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"myapp":          "myapp",
		"My App":         "my-app",
		"  --Weird__Dir": "weird__dir",
		"über cool!!":    "ber-cool",
		"...":            "my-project",
		"a.b-c":          "a.b-c",
		"Project (copy)": "project-copy",
	} {
		got := sanitizeName(in)
		if got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
		if err := checkPackageName(got); err != nil {
			t.Errorf("sanitizeName(%q) = %q, not a valid name: %v", in, got, err)
		}
	}
}

func TestLockRoundTrip(t *testing.T) {
	sri := integrityOf(map[string][]byte{"legion.json": []byte("{}\n")})
	l := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{
		"b": {Version: "2.0.0", Dependencies: map[string]string{"a": "^1", "c": "<3 >=1"}},
		"a": {Version: "1.0.0-rc.1", Integrity: sri},
	}}
	out := l.Marshal()
	want := `{
  "lockfileVersion": 2,
  "packages": {
    "a": {
      "integrity": "` + sri + `",
      "version": "1.0.0-rc.1"
    },
    "b": {
      "dependencies": {
        "a": "^1",
        "c": "<3 >=1"
      },
      "version": "2.0.0"
    }
  }
}
`
	if string(out) != want {
		t.Errorf("lock:\n%s\nwant:\n%s", out, want)
	}
	l2, err := ParseLock(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(l2.Marshal(), out) {
		t.Error("round trip changed the bytes")
	}
	for in, want := range map[string]string{
		`{`:                     "line 1, column 1",
		`{"lockfileVersion":3}`: "lockfileVersion 3",
		`{"lockfileVersion":1,"packages":{"../x":{"version":"1.0.0"}}}`:                                    "package name",
		`{"lockfileVersion":1,"packages":{"a":{"version":"1.0"}}}`:                                         `version "1.0"`,
		`{"lockfileVersion":1,"packages":{"a":{"version":"1.0.0","dependencies":{"b":"!!"}}}}`:             "invalid range",
		`{"lockfileVersion":1,"packages":{"a":{"version":"1.0.0","dependencies":{"b/c":"1"}}}}`:            "dependency",
		`{"lockfileVersion":1,"packages":{"a":{"version":"1.0.0"}},"extra":1}`:                             "",
		`{"lockfileVersion":1,"packages":{"a":{"version":"1.0.0","dependencies":{"b":"^1"}}},"x":[1,2,3]}`: "",
	} {
		_, err := ParseLock([]byte(in))
		if want == "" {
			if err != nil {
				t.Errorf("ParseLock(%s) = %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseLock(%s) = %v, want %q", in, err, want)
		}
	}
}

func TestLockPrune(t *testing.T) {
	l := &Lock{Packages: map[string]LockedPackage{
		"a": {Version: "1.0.0", Dependencies: map[string]string{"c": "^1"}},
		"b": {Version: "1.0.0", Dependencies: map[string]string{"d": "^1"}},
		"c": {Version: "1.0.0", Dependencies: map[string]string{"a": "^1"}}, // cycle
		"d": {Version: "1.0.0"},
	}}
	got := l.prune(map[string]string{"a": "^1", "missing": "*"})
	var names []string
	for n := range got.Packages {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "c"}) {
		t.Errorf("pruned to %v", names)
	}
}

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := writeFileAtomic(path, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "two" {
		t.Errorf("content %q", b)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o604 {
		t.Errorf("mode %v, want the existing file's 0604", fi.Mode().Perm())
	}
	// prepare + abort leaves the old file and no temporary.
	p, err := prepareFile(path, []byte("three"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Error("prepare changed the destination")
	}
	p.abort()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("%d entries after abort", len(ents))
	}
	// A failed prepare (directory missing) leaves nothing.
	if _, err := prepareFile(filepath.Join(dir, "nope", "x"), nil, 0o644); err == nil {
		t.Error("prepare into a missing directory succeeded")
	}
	// createFileAtomic never replaces.
	if err := createFileAtomic(path, []byte("new")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("createFileAtomic over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Error("createFileAtomic replaced the file")
	}
	fresh := filepath.Join(dir, "fresh")
	if err := createFileAtomic(fresh, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("%d entries, want 2 (temporary left?)", len(ents))
	}
}

func TestModulesSwapRollback(t *testing.T) {
	dir := t.TempDir()
	mods := filepath.Join(dir, modulesDir)
	os.MkdirAll(filepath.Join(mods, "old"), 0o755)
	os.WriteFile(filepath.Join(mods, "old", "f"), []byte("old"), 0o644)
	staging, _ := os.MkdirTemp(dir, ".legion_modules.staging-")
	os.WriteFile(filepath.Join(staging, "new"), []byte("new"), 0o644)

	s := &modulesSwap{projectDir: dir, staging: staging}
	if err := s.commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(mods, "new")); err != nil {
		t.Errorf("new not in place: %v", err)
	}
	s.rollback()
	if b, err := os.ReadFile(filepath.Join(mods, "old", "f")); err != nil || string(b) != "old" {
		t.Errorf("old not restored: %q %v", b, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in the project: %v", names)
	}
}

func TestExitCodes(t *testing.T) {
	apiErr := func(status int) error {
		return &legion.Error{StatusCode: status, Message: "msg", Method: "GET", URL: "http://x/api/v1/p"}
	}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errHelp, 0},
		{usagef("bad"), 2},
		{wrap(&legion.ArgumentError{Arg: "name", Reason: "empty"}, "install"), 2},
		{apiErr(401), 3},
		{apiErr(403), 3},
		{legion.ErrNoToken, 3},
		{errNotLoggedIn, 3},
		{wrap(errNotLoggedIn, "publish"), 3},
		{wrap(apiErr(404), "info x"), 4},
		{&NoMatchError{Name: "x", Range: "^9"}, 4},
		{wrap(apiErr(409), "publish"), 5},
		{wrap(withHint(apiErr(409), "bump"), "publish"), 5},
		{wrap(fmt.Errorf("x: %w", ErrDependencyConflict), "install"), 5},
		{wrap(apiErr(429), "search"), 6},
		{wrap(fmt.Errorf("%w: 2 advisories", ErrAdvisories), "audit"), 7},
		{apiErr(500), 1},
		{apiErr(418), 1},
		{errors.New("disk full"), 1},
		{context.Canceled, 1},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestErrorLine(t *testing.T) {
	e := &legion.Error{StatusCode: 404, Message: "package \"x\" not found", Method: "GET", URL: "http://h/api/v1/packages/x"}
	if got, want := errorLine(wrap(e, "info x")), `legion: info x: package "x" not found`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &legion.Error{StatusCode: 502, Method: "GET", URL: "u"}
	if got, want := errorLine(wrap(wrap(e, "fetching a@1.0.0"), "install")), "legion: install: fetching a@1.0.0: 502 Bad Gateway"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &legion.Error{StatusCode: 429, Message: "slow down", RetryAfter: time.Hour}
	if got, want := errorLine(wrap(e, "search")), "legion: search: rate limited by the registry; retry in 1h"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := errorLine(wrap(errors.New("line one\nline two"), "x")); got != "legion: x: line one line two" {
		t.Errorf("multi-line: %q", got)
	}
	if got := errorLine(wrap(legion.ErrNoToken, "whoami")); !strings.Contains(got, "legion pkg login") {
		t.Errorf("no token: %q", got)
	}
}

// runInProcess runs Main with buffers, in dir, with env vars.
func runInProcess(t testing.TB, dir string, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		Dir:        dir,
		HTTPClient: &http.Client{},
	})
	return out.String(), errb.String(), code
}

func TestFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOME": dir}
	if out, errs, code := runInProcess(t, dir, env, "", "pkg", "init", "first", "--description", "d"); code != 0 {
		t.Fatalf("init: %d %s %s", code, out, errs)
	}
	m, _, err := readManifest(dir)
	if err != nil || m.Name != "first" || m.Description != "d" {
		t.Errorf("manifest %+v %v", m, err)
	}
	// "--" ends the flags.
	os.Remove(filepath.Join(dir, manifestFile))
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "init", "--", "--json"); code != ExitUsage || !strings.Contains(errs, `"--json" is not a package name`) {
		t.Errorf("init -- --json: %d %s", code, errs)
	}
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "init", "a", "b"); code != ExitUsage {
		t.Errorf("two names: %d %s", code, errs)
	}
	if out, _, code := runInProcess(t, dir, env, "", "help", "install"); code != 0 || !strings.HasPrefix(out, "Usage: legion pkg install") {
		t.Errorf("help install: %d %s", code, out)
	}
}

func TestRegistryResolution(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, "cfg")}
	a := &app{env: Env{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}}
	s, err := a.resolveSession("")
	if err != nil || s.registry != legion.DefaultBaseURL || s.token != "" {
		t.Fatalf("default: %+v %v", s, err)
	}
	tok := "lgn_" + strings.Repeat("a", 32)
	if err := a.saveCredentials(&Credentials{Registry: "http://stored.example/api/v1", Token: tok}); err != nil {
		t.Fatal(err)
	}
	s, _ = a.resolveSession("")
	if s.registry != "http://stored.example/api/v1" || s.token != tok {
		t.Errorf("stored: %+v", s)
	}
	env["LEGION_REGISTRY"] = "http://env.example"
	s, _ = a.resolveSession("")
	if s.registry != "http://env.example/api/v1" || s.token != "" {
		t.Errorf("LEGION_REGISTRY: registry %s, token sent: %v", s.registry, s.token != "")
	}
	s, _ = a.resolveSession("https://flag.example/api/v1/")
	if s.registry != "https://flag.example/api/v1" {
		t.Errorf("--registry: %s", s.registry)
	}
	env["LEGION_TOKEN"] = "lgn_" + strings.Repeat("b", 32)
	s, _ = a.resolveSession("https://flag.example")
	if s.token != env["LEGION_TOKEN"] || s.tokenSource != "LEGION_TOKEN" {
		t.Errorf("LEGION_TOKEN not used: %+v", s.tokenSource)
	}
	if _, err := a.resolveSession("ftp://x"); !errors.Is(err, ErrUsage) {
		t.Errorf("ftp registry: %v", err)
	}
	if _, err := a.resolveSession("https://user:pw@x"); !errors.Is(err, ErrUsage) {
		t.Errorf("registry with credentials: %v", err)
	}
	// A broken credentials file is an error only when it would be used.
	path, _ := a.credentialsPath()
	os.WriteFile(path, []byte("{not json "+tok), 0o600)
	if _, err := a.resolveSession(""); err != nil {
		t.Errorf("with LEGION_TOKEN set, a broken file should not matter: %v", err)
	}
	delete(env, "LEGION_TOKEN")
	_, err = a.resolveSession("")
	if !errors.Is(err, errBadCredentials) || strings.Contains(err.Error(), tok) {
		t.Errorf("broken file: %v", err)
	}
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b)
	p.update("fetching %d/%d", 1, 2)
	p.done()
	if b.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", b.String())
	}
}
