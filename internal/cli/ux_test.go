package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// While rate limited the CLI says so, with the wait, rather than pausing in
// silence; a final 429 states its wait once.
func TestRateLimitedMessages(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	remove := fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/search", Times: 1,
		Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}})
	r := p.ok("pkg", "search", "http")
	remove()
	if !strings.Contains(r.stderr, "legion: rate limited, retrying in 1s") {
		t.Errorf("stderr while rate limited:\n%s", r.stderr)
	}
	fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/search", Times: 5,
		Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}}})
	r = p.fails(ExitRateLimit, "pkg", "search", "http")
	if !strings.Contains(r.stderr, "retry in 1h") || strings.Count(r.stderr, "1h") != 1 || strings.Contains(r.stderr, "3600") {
		t.Errorf("final rate-limit message states the wait once: %s", r.stderr)
	}
}

// A registry that cannot be reached is named, with how to choose another.
func TestUnreachableRegistryNamed(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	r := p.fails(ExitError, "--registry", "http://127.0.0.1:1/api/v1", "pkg", "search", "http")
	if !strings.Contains(r.stderr, "cannot reach the registry at http://127.0.0.1:1/api/v1") ||
		!strings.Contains(r.stderr, "--registry") || !strings.Contains(r.stderr, "LEGION_REGISTRY") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// Commands run from a subdirectory work on the nearest legion.json above.
func TestCommandsFromSubdirectory(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	p.ok("pkg", "init")
	sub := *p
	sub.dir = filepath.Join(p.dir, "src", "deep")
	if err := os.MkdirAll(sub.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sub.ok("pkg", "install", "legion-core@^1.0.0")
	if !strings.Contains(p.read("legion.json"), "legion-core") {
		t.Errorf("install from a subdirectory did not update the project's legion.json:\n%s", p.read("legion.json"))
	}
	if _, err := os.Stat(filepath.Join(sub.dir, "legion.json")); err == nil {
		t.Error("a nested legion.json was created")
	}
	if r := sub.ok("pkg", "list"); !strings.Contains(r.stdout, "legion-core") {
		t.Errorf("list from a subdirectory:\n%s", r.stdout)
	}
}

// signup: by flags with the password on stdin, or by prompts naming the
// registry; the token is stored like login's.
func TestSignup(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	r := p.run("bob-password\n", "pkg", "signup", "--username", "bob", "--email", "bob@example.com", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "Signed up and logged in as bob") || strings.Contains(r.stdout+r.stderr, "bob-password") {
		t.Fatalf("signup: %v", r)
	}
	if r := p.ok("pkg", "whoami"); r.stdout != "bob\n" {
		t.Errorf("whoami after signup: %q", r.stdout)
	}
	q := newProject(t, fx)
	r = q.run("carol\ncarol@example.com\ncarol-password\n", "pkg", "signup")
	if r.code != 0 || !strings.Contains(r.stderr, "Signing up on "+fx.srv.URL) || !strings.Contains(r.stderr, "Username: Email: Password: ") {
		t.Fatalf("interactive signup: %v", r)
	}
	// A taken username is a conflict, and nothing is stored.
	d := newProject(t, fx)
	r = d.run("pw-pw-pw-pw\n", "pkg", "signup", "--username", "alice", "--email", "other@example.com", "--password-stdin")
	if r.code != ExitConflict {
		t.Errorf("taken username: %v", r)
	}
	d.fails(ExitAuth, "pkg", "whoami")
}

// info pkg@version shows that version (exact, latest, or a range resolved
// from the versions list) and counts no download.
func TestInfoVersion(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	before := fx.srv.Downloads("legion-core")
	for arg, want := range map[string]string{
		"legion-core@1.1.0": "legion-core@1.1.0\n", "legion-core@latest": "legion-core@2.0.0\n", "legion-core@^1.0.0": "legion-core@1.4.0\n",
	} {
		if r := p.ok("pkg", "info", arg); !strings.HasPrefix(r.stdout, want) {
			t.Errorf("info %s:\n%s", arg, r.stdout)
		}
	}
	if after := fx.srv.Downloads("legion-core"); after != before {
		t.Errorf("downloads went from %d to %d", before, after)
	}
	p.fails(ExitNotFound, "pkg", "info", "legion-core@9.9.9")
	p.fails(ExitUsage, "pkg", "info", "legion-core@not a range!")
}

// outdated shows current, wanted and latest; update moves the lock within
// legion.json's ranges and leaves legion.json alone.
func TestOutdatedAndUpdate(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@1.1.0")
	p.write("legion.json", strings.Replace(p.read("legion.json"), `"legion-core": "1.1.0"`, `"legion-core": "^1.0.0"`, 1))
	p.ok("pkg", "install") // the lock's 1.1.0 still satisfies ^1.0.0: kept
	if !strings.Contains(p.read("legion.lock"), `"version": "1.1.0"`) {
		t.Fatalf("lock:\n%s", p.read("legion.lock"))
	}
	r := p.ok("pkg", "outdated")
	if !regexp.MustCompile(`legion-core\s+1\.1\.0\s+1\.4\.0\s+2\.0\.0`).MatchString(r.stdout) {
		t.Errorf("outdated:\n%s", r.stdout)
	}
	r = p.ok("pkg", "outdated", "--json")
	var rows []outdatedRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 ||
		rows[0] != (outdatedRow{Name: "legion-core", Range: "^1.0.0", Current: "1.1.0", Wanted: "1.4.0", Latest: "2.0.0"}) {
		t.Errorf("outdated --json: %s (%v)", r.stdout, err)
	}
	manifest := p.read("legion.json")
	p.ok("pkg", "update", "legion-core")
	if !strings.Contains(p.read("legion.lock"), `"version": "1.4.0"`) || p.read("legion.json") != manifest {
		t.Errorf("after update, lock:\n%s\nlegion.json:\n%s", p.read("legion.lock"), p.read("legion.json"))
	}
	p.fails(ExitError, "pkg", "update", "legion-http") // not installed
	p.ok("pkg", "update")                              // all: nothing newer within ^1
	if !strings.Contains(p.read("legion.lock"), `"version": "1.4.0"`) {
		t.Errorf("update of all moved past the range:\n%s", p.read("legion.lock"))
	}
}

// init refuses a name the registry would refuse, with the rule, and does
// not invent one from a directory name that is not valid.
func TestInitNameRules(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	for _, bad := range []string{"MyApp", strings.Repeat("a", 65), "_x", "a b", "caf\u00e9"} {
		if r := p.fails(ExitUsage, "pkg", "init", bad); !strings.Contains(r.stderr, "lowercase letters") {
			t.Errorf("init %q: %s", bad, r.stderr)
		}
	}
	odd := *p
	odd.dir = filepath.Join(p.home, "N C D Dir")
	if err := os.Mkdir(odd.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := odd.fails(ExitUsage, "pkg", "init") // no terminal: ask for it as an argument
	if !strings.Contains(r.stderr, `"N C D Dir"`) || !strings.Contains(r.stderr, "legion pkg init <name>") {
		t.Errorf("init in %q: %s", odd.dir, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(odd.dir, "legion.json")); err == nil {
		t.Error("init invented a name")
	}
	odd.ok("pkg", "init", "n-c-d")
}

// publish warns about a dependency the registry does not have, and
// publishes anyway.
func TestPublishWarnsUnknownDependency(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	m, _, err := readManifest(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Dependencies = map[string]string{"legion-core": "^1.0.0", "ghost-pkg": "^1.0.0"}
	p.write("legion.json", string(m.Marshal()))
	p.ok("pkg", "login", "--token", fx.aliceToken)
	r := p.ok("pkg", "publish")
	if !strings.Contains(r.stderr, "warning: dependency ghost-pkg is not in the registry") || strings.Contains(r.stderr, "legion-core") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if vs := fx.srv.Versions("myapp"); len(vs) != 1 {
		t.Errorf("not published: %v", vs)
	}
}

// A capped search says how many there were.
func TestSearchShowsCap(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	r := p.ok("pkg", "search", "legion", "--limit", "1")
	if !regexp.MustCompile(`(?m)^showing 1 of [2-9]\d* \(--limit N for more\)$`).MatchString(r.stdout) {
		t.Errorf("search --limit 1:\n%s", r.stdout)
	}
	if r := p.ok("pkg", "search", "legion", "--limit", "100"); strings.Contains(r.stdout, "showing") {
		t.Errorf("an uncapped search says showing:\n%s", r.stdout)
	}
}

// A corrupt credentials file is reported with its path; login does not
// silently move to the default registry; logout says what it removed.
func TestCorruptCredentials(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "login", "--token", fx.aliceToken)
	path := filepath.Join(p.home, ".config", "legion", "credentials.json")
	if err := os.WriteFile(path, []byte(`{"registry": "http://x`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := p.fails(ExitError, "pkg", "whoami")
	if !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "not valid JSON") {
		t.Errorf("whoami with a corrupt file: %s", r.stderr)
	}
	// Without LEGION_REGISTRY or --registry, login refuses to guess.
	cmd := p.command("pkg", "login", "--token", fx.aliceToken)
	cmd.Env = filterEnv(cmd.Env, "LEGION_REGISTRY")
	out, err := cmd.CombinedOutput()
	// It must refuse before any request: no attempt to reach a registry.
	if err == nil || !strings.Contains(string(out), path) || !strings.Contains(string(out), "--registry") ||
		strings.Contains(string(out), "cannot reach") || strings.Contains(string(out), "checking the token") {
		t.Errorf("login with a corrupt file and no registry: %v\n%s", err, out)
	}
	r = p.ok("pkg", "logout")
	if !strings.Contains(r.stdout, "Removed the corrupt credentials file "+path) {
		t.Errorf("logout: %s", r.stdout)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the corrupt file is still there")
	}
}

func filterEnv(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// list counts a problem once, however often the package is shown.
func TestListCountsEachProblemOnce(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.0.0", "legion-core@^1.0.0")
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-core")); err != nil {
		t.Fatal(err)
	}
	r := p.fails(ExitError, "pkg", "list")
	if shown := strings.Count(r.stdout, "missing from legion_modules"); shown != 2 || !strings.Contains(r.stderr, "list: 1 problem (") {
		t.Errorf("shown %d times; stderr: %s", shown, r.stderr)
	}
}
