package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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

// hostile holds what a terminal acts on: an OSC that retitles the window,
// a CSI that clears it, BEL, a lone CR, a C1 CSI, and a right-to-left
// override.
const hostile = "Nice\x1b]0;pwned\x07 \x1b[2J\rgone\u009b31m \u202eevil"

// controlFree fails when s holds anything a terminal would act on.
func controlFree(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Errorf("%s holds %U:\n%q", what, r, s)
			return
		}
	}
}

// Text from the registry reaches the terminal without control sequences,
// and --json keeps it exact.
func TestRegistryTextIsMadeSafeForTerminals(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	if err := fx.srv.AddPackage(legiontest.SeedPackage{Name: "legion-evil", Owner: "alice", Description: hostile,
		License: "MIT", Keywords: []string{"evil\x1b[2J"}, Readme: "# Evil\r\n\x1b]0;pwned\x07\r\n\u202eevil\n",
		Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}}); err != nil {
		t.Fatal(err)
	}
	if err := fx.srv.AddAdvisory(legiontest.SeedAdvisory{ID: "LEGION-2025-0666", Package: "legion-evil",
		Affected: "<2.0.0", Severity: "low", Title: hostile}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-evil@^1.0.0")
	for _, args := range [][]string{
		{"pkg", "info", "legion-evil", "--readme"},
		{"pkg", "info", "legion-evil@1.0.0", "--readme"},
		{"pkg", "search", "evil"},
		{"pkg", "audit", "--level", "high"},
	} {
		r := p.ok(args...)
		controlFree(t, "legion "+strings.Join(args, " "), r.stdout+r.stderr)
		if !strings.Contains(r.stdout, `Nice\x1b]0;pwned\x07 \x1b[2J\x0dgone\x9b31m \u202eevil`[:20]) {
			t.Errorf("legion %s does not show the escaped text:\n%s", strings.Join(args, " "), r.stdout)
		}
	}
	r := p.ok("pkg", "info", "legion-evil@1.0.0", "--readme")
	if !strings.Contains(r.stdout, `Nice\x1b]0;pwned\x07 \x1b[2J\x0dgone\x9b31m \u202eevil`) ||
		!strings.Contains(r.stdout, "# Evil\n\\x1b]0;pwned\\x07\n\\u202eevil\n") {
		t.Errorf("info:\n%s", r.stdout)
	}
	// An error message from the registry is made safe too.
	remove := fx.srv.AddFault(legiontest.Fault{Path: "/packages/**", Status: 503,
		Body: `{"success":false,"error":"down\u001b]0;pwned\u0007\u001b[2J for maintenance"}`})
	r = p.fails(ExitError, "pkg", "info", "legion-evil@1.0.0")
	remove()
	controlFree(t, "an error", r.stderr)
	if !strings.Contains(r.stderr, `down\x1b]0;pwned\x07\x1b[2J for maintenance`) {
		t.Errorf("error: %s", r.stderr)
	}
	// --json keeps the text exact.
	r = p.ok("pkg", "info", "legion-evil@1.0.0", "--json")
	var v struct{ Description string }
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Description != hostile {
		t.Errorf("info --json: %v %q", err, v.Description)
	}
}

// oneJSON decodes stdout, which must hold exactly one JSON document.
func oneJSON(t *testing.T, what, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: stdout is not JSON (%v):\n%s", what, err, stdout)
	}
	if dec.More() {
		t.Errorf("%s: stdout holds more than one JSON document:\n%s", what, stdout)
	}
}

type errorDoc struct {
	Error *struct {
		Code     string `json:"code"`
		ExitCode int    `json:"exitCode"`
		Message  string `json:"message"`
	} `json:"error"`
}

// With --json, a failure is a JSON document on stdout as well as a line
// on stderr; audit --json marks the advisories that fail the gate.
func TestJSONFailuresOnStdout(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	for _, tc := range []struct {
		args []string
		code int
		name string
	}{
		{[]string{"pkg", "audit", "--json"}, ExitError, "error"}, // no legion.json
		{[]string{"pkg", "info", "legion-nope", "--json"}, ExitNotFound, "not_found"},
		{[]string{"pkg", "search", "--json", "--limit", "0", "x"}, ExitUsage, "usage"},
		{[]string{"pkg", "audit", "--json", "--bogus"}, ExitUsage, "usage"},
		{[]string{"pkg", "outdated", "--bogus", "--json"}, ExitUsage, "usage"},
		{[]string{"pkg", "whoami", "--json"}, ExitAuth, "auth"},
	} {
		what := "legion " + strings.Join(tc.args, " ")
		r := p.run("", tc.args...)
		if r.code != tc.code {
			t.Errorf("%s: %v", what, r)
			continue
		}
		var doc errorDoc
		oneJSON(t, what, r.stdout, &doc)
		line, _, _ := strings.Cut(r.stderr, "\n")
		if doc.Error == nil || doc.Error.Code != tc.name || doc.Error.ExitCode != tc.code || "legion: "+doc.Error.Message != line {
			t.Errorf("%s: stdout %s, stderr %s", what, r.stdout, r.stderr)
		}
	}
	// Without --json stdout stays empty.
	if r := p.fails(ExitNotFound, "pkg", "info", "legion-nope"); r.stdout != "" {
		t.Errorf("info without --json printed %q", r.stdout)
	}

	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.0.0", "legion-log@0.3.0")
	type advisory struct {
		ID        string `json:"id"`
		Installed bool   `json:"installed"`
		FailsGate *bool  `json:"failsGate"`
	}
	type auditDoc struct {
		errorDoc
		Advisories []advisory `json:"advisories"`
		Level      string     `json:"level"`
		Failing    int        `json:"failing"`
	}
	r := p.fails(ExitAdvisory, "pkg", "audit", "--json", "--level", "high")
	var doc auditDoc
	oneJSON(t, "audit --json --level high", r.stdout, &doc)
	if len(doc.Advisories) != 1 || doc.Advisories[0].FailsGate == nil || !*doc.Advisories[0].FailsGate || !doc.Advisories[0].Installed ||
		doc.Failing != 1 || doc.Level != "high" || doc.Error == nil || doc.Error.Code != "advisories" || doc.Error.ExitCode != ExitAdvisory {
		t.Errorf("audit --json --level high:\n%s", r.stdout)
	}
	r = p.ok("pkg", "audit", "--json", "--level", "critical")
	doc = auditDoc{}
	oneJSON(t, "audit --json --level critical", r.stdout, &doc)
	if len(doc.Advisories) != 1 || doc.Advisories[0].FailsGate == nil || *doc.Advisories[0].FailsGate || doc.Failing != 0 || doc.Error != nil {
		t.Errorf("audit --json --level critical:\n%s", r.stdout)
	}

	// list --json with a problem: the tree and the error, in one document.
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-core")); err != nil {
		t.Fatal(err)
	}
	r = p.fails(ExitError, "pkg", "list", "--json")
	var list struct {
		errorDoc
		Problems []string `json:"problems"`
	}
	oneJSON(t, "list --json", r.stdout, &list)
	if len(list.Problems) != 1 || list.Error == nil || list.Error.Code != "error" || "legion: "+list.Error.Message+"\n" != r.stderr {
		t.Errorf("list --json: %v", r)
	}
}

// Every exit code that `legion --help` lists has its name for --json
// errors, so that a new one cannot fall back to "error" unnoticed.
func TestEveryExitCodeHasAJSONName(t *testing.T) {
	t.Parallel()
	n := 0
	for _, line := range strings.Split(exitCodeHelp, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		code, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		n++
		if _, ok := exitCodeNames[code]; !ok && code != ExitOK {
			t.Errorf("exit code %d (%s) has no name in exitCodeNames", code, strings.Join(f[1:], " "))
		}
	}
	if n < 9 {
		t.Errorf("found %d exit codes in exitCodeHelp", n)
	}
}
