package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	p := newProject(t, newFixture(t))
	if r := p.ok("--version"); r.stdout != "legion "+legion.SDKVersion+"\n" {
		t.Errorf("--version printed %q", r.stdout)
	}
	r := p.ok("--help")
	golden(t, "help", r.stdout)
	for _, c := range commands {
		r := p.ok("pkg", c.name, "--help")
		if !strings.HasPrefix(r.stdout, "Usage: legion pkg "+c.name) {
			t.Errorf("pkg %s --help:\n%s", c.name, r.stdout)
		}
		if !strings.Contains(r.stdout, "legion pkg "+c.name) || !strings.Contains(r.stdout, strings.SplitN(strings.TrimSpace(c.help), " ", 2)[0]) {
			t.Errorf("pkg %s --help lacks its description:\n%s", c.name, r.stdout)
		}
	}
	golden(t, "install-help", p.ok("pkg", "install", "--help").stdout)
	if r := p.ok("pkg", "info", "--help"); !strings.Contains(r.stdout, "counts it as a download") &&
		!strings.Contains(r.stdout, "counts as a download") {
		t.Errorf("info --help does not say it counts a download:\n%s", r.stdout)
	}
	// Bare legion prints the help, as npm and cargo do.
	if r := p.ok(); r.stdout != p.ok("--help").stdout {
		t.Errorf("bare legion printed:\n%s", r.stdout)
	}
	p.fails(ExitUsage, "pkg")
	p.fails(ExitUsage, "pkg", "frobnicate")
	// A typo suggests the nearest command; npm's aliases work.
	for typo, want := range map[string]string{"instal": "install", "isntall": "install", "serach": "search", "whoam": "whoami", "lst": "list"} {
		if r := p.fails(ExitUsage, "pkg", typo); !strings.Contains(r.stderr, "did you mean 'legion pkg "+want+"'") {
			t.Errorf("pkg %s: %s", typo, r.stderr)
		}
	}
	if r := p.fails(ExitUsage, "pkg", "frobnicate"); strings.Contains(r.stderr, "did you mean") {
		t.Errorf("a far-off word got a suggestion: %s", r.stderr)
	}
	for alias, name := range map[string]string{"i": "install", "rm": "remove", "ls": "list"} {
		if r := p.ok("pkg", alias, "--help"); !strings.HasPrefix(r.stdout, "Usage: legion pkg "+name) {
			t.Errorf("pkg %s --help:\n%s", alias, r.stdout)
		}
	}
	p.fails(ExitUsage, "install", "x") // without "pkg"
	p.fails(ExitUsage, "pkg", "install", "--no-such-flag")
	p.fails(ExitUsage, "pkg", "search")
	p.fails(ExitUsage, "pkg", "install", "bad/name")
	p.fails(ExitUsage, "pkg", "install", "legion-http@not-a-range!")
}

func TestInitAndPublish(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	r := p.ok("pkg", "init", "--description", "My app & more")
	golden(t, "init", p.normalize(r.stdout))
	golden(t, "init-legion.json", p.read("legion.json"))

	// init never overwrites.
	before := p.read("legion.json")
	r = p.fails(ExitError, "pkg", "init", "other-name")
	if !strings.Contains(r.stderr, "already exists") || p.read("legion.json") != before {
		t.Errorf("second init: %v\nlegion.json now:\n%s", r, p.read("legion.json"))
	}

	// Publishing needs a token.
	r = p.fails(ExitAuth, "pkg", "publish")
	if !strings.Contains(r.stderr, "not logged in") {
		t.Errorf("publish without a token: %v", r)
	}

	p.write("README.md", "# myapp\n\nIt does things.\n")
	m, _, err := readManifest(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Dependencies = map[string]string{"legion-core": "^1.0.0"}
	m.Keywords = []string{"app"}
	p.write("legion.json", string(m.Marshal()))

	p.ok("pkg", "login", "--token", fx.aliceToken)
	r = p.ok("pkg", "publish")
	if got := p.normalize(r.stdout); got != "published myapp@0.1.0 to $REGISTRY\n" {
		t.Errorf("publish printed %q", got)
	}
	vs := fx.srv.Versions("myapp")
	if len(vs) != 1 || vs[0].Readme != "# myapp\n\nIt does things.\n" || vs[0].Description != "My app & more" ||
		vs[0].Dependencies["legion-core"] != "^1.0.0" || !slices.Equal(vs[0].Keywords, []string{"app"}) {
		t.Errorf("published %+v", vs)
	}

	// The same version again is a conflict (exit 5).
	r = p.fails(ExitConflict, "pkg", "publish")
	if !strings.Contains(r.stderr, "bump") {
		t.Errorf("republish: %v", r)
	}

	// A token without the publish scope is forbidden (exit 3).
	readOnly, err := fx.srv.AddToken("alice", "ci", legion.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	m.Version = "0.2.0"
	p.write("legion.json", string(m.Marshal()))
	p.env = []string{"LEGION_TOKEN=" + readOnly}
	r = p.fails(ExitAuth, "pkg", "publish")
	if strings.Contains(r.stdout+r.stderr, readOnly) {
		t.Errorf("the token was printed: %v", r)
	}
	p.env = nil

	// --dry-run sends nothing.
	fx.srv.ResetRequests()
	r = p.ok("pkg", "publish", "--dry-run", "--json")
	var req map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &req); err != nil || req["version"] != "0.2.0" {
		t.Errorf("dry run printed %s (%v)", r.stdout, err)
	}
	if n := len(fx.srv.Requests()); n != 0 {
		t.Errorf("dry run made %d requests", n)
	}
}

func TestInstallListRemove(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")

	r := p.ok("pkg", "install", "legion-http")
	golden(t, "install-http", p.normalize(r.stdout))
	if r.stderr != "" {
		t.Errorf("install wrote to stderr (not a terminal): %q", r.stderr)
	}
	m, _, err := readManifest(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Dependencies; len(got) != 1 || got["legion-http"] != "^1.2.0" {
		t.Errorf("legion.json dependencies = %v, want legion-http ^1.2.0", got)
	}
	golden(t, "install-http-lock", p.read("legion.lock"))
	for name, version := range map[string]string{"legion-http": "1.2.0", "legion-core": "1.4.0", "legion-log": "0.3.2"} {
		if got := installedVersion(p.dir, name); got != version {
			t.Errorf("legion_modules/%s is %q, want %s", name, got, version)
		}
		readme, err := os.ReadFile(filepath.Join(p.dir, "legion_modules", name, "README.md"))
		if name == "legion-log" { // published without a readme
			if !os.IsNotExist(err) {
				t.Errorf("legion-log has a README: %q, %v", readme, err)
			}
		} else if err != nil || !strings.HasPrefix(string(readme), "# "+name) {
			t.Errorf("%s README: %q, %v", name, readme, err)
		}
	}
	golden(t, "install-http-module", p.read("legion_modules/legion-http/legion.json"))

	// A second install changes nothing, byte for byte and mtime for mtime,
	// and does not even ask the registry.
	before := snapshot(t, p.dir)
	fx.srv.ResetRequests()
	r = p.ok("pkg", "install")
	if r.stdout != "up to date, 3 packages installed\n" {
		t.Errorf("re-install printed %q", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "re-install")
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("re-install made %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}

	// A deleted module is put back from the lock, without re-resolving.
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-log")); err != nil {
		t.Fatal(err)
	}
	fx.srv.ResetRequests()
	r = p.ok("pkg", "install", "--verbose")
	if p.normalize(r.stdout) != "+ legion-log@0.3.2\nadded 1 package in X.Xs\n" {
		t.Errorf("repair printed %q", r.stdout)
	}
	for _, req := range fx.srv.Requests() {
		if req.Path != "/packages/legion-log/0.3.2/download" {
			t.Errorf("repair asked %s %s", req.Method, req.Path)
		}
	}

	r = p.ok("pkg", "install", "legion-json@^1.0.0", "--json")
	var change projectChange
	if err := json.Unmarshal([]byte(r.stdout), &change); err != nil {
		t.Fatal(err)
	}
	if !change.Changed || len(change.Added) != 1 || change.Added[0] != (pkgVersion{"legion-json", "1.0.0"}) || change.Packages != 4 {
		t.Errorf("install --json: %s", r.stdout)
	}

	golden(t, "list", p.ok("pkg", "list").stdout)
	var tree listOutput
	if err := json.Unmarshal([]byte(p.ok("pkg", "list", "--json").stdout), &tree); err != nil {
		t.Fatal(err)
	}
	if len(tree.Dependencies) != 2 || tree.Dependencies[1].Name != "legion-json" ||
		tree.Dependencies[0].Dependencies[0].Name != "legion-core" || tree.Dependencies[0].Dependencies[0].Version != "1.4.0" {
		t.Errorf("list --json: %+v", tree)
	}

	// Removing legion-http drops legion-log (only it needed it) but keeps
	// legion-core, which legion-json still needs; no request is made.
	fx.srv.ResetRequests()
	r = p.ok("pkg", "remove", "legion-http")
	golden(t, "remove-http", p.normalize(r.stdout))
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("remove made %d requests", len(reqs))
	}
	ents, _ := os.ReadDir(filepath.Join(p.dir, "legion_modules"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"legion-core", "legion-json"}) {
		t.Errorf("legion_modules holds %v", names)
	}
	if l := p.read("legion.lock"); strings.Contains(l, "legion-http") || strings.Contains(l, "legion-log") {
		t.Errorf("lock after remove:\n%s", l)
	}
	p.fails(ExitError, "pkg", "remove", "legion-http") // no longer a dependency

	// No stray temporary files anywhere.
	for name := range snapshot(t, p.dir) {
		if strings.Contains(name, ".tmp-") || strings.Contains(name, ".legion_modules.") {
			t.Errorf("left behind: %s", name)
		}
	}

	// Nothing ever counted a download.
	for _, name := range []string{"legion-http", "legion-core", "legion-log", "legion-json"} {
		if pk, _ := fx.srv.Package(name); fx.srv.Downloads(name) != pk.Downloads {
			t.Errorf("%s: downloads changed", name)
		}
	}
}

func TestInstallCountsNoDownloads(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	before := fx.srv.Downloads("legion-http")
	p.ok("pkg", "install", "legion-http")
	for _, req := range fx.srv.Requests() {
		if req.Method == http.MethodGet && strings.Count(req.Path, "/") == 2 && strings.HasPrefix(req.Path, "/packages/") {
			t.Errorf("install called GET %s (counts a download)", req.Path)
		}
	}
	if fx.srv.Downloads("legion-http") != before {
		t.Errorf("downloads of legion-http went from %d to %d", before, fx.srv.Downloads("legion-http"))
	}
}

func TestInstallCycleAndRange(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	r := p.ok("pkg", "install", "--verbose", "legion-ping", "legion-core@~1.1")
	if !strings.Contains(r.stdout, "+ legion-ping@1.0.0") || !strings.Contains(r.stdout, "+ legion-pong@1.0.0") ||
		!strings.Contains(r.stdout, "+ legion-core@1.1.0") {
		t.Errorf("install:\n%s", r.stdout)
	}
	m, _, _ := readManifest(p.dir)
	if m.Dependencies["legion-core"] != "~1.1" || m.Dependencies["legion-ping"] != "^1.0.0" {
		t.Errorf("dependencies = %v", m.Dependencies)
	}
	if out := p.ok("pkg", "list").stdout; !strings.Contains(out, "deduped") {
		t.Errorf("list of a cycle:\n%s", out)
	}
}

func TestInstallConflictLeavesProjectUntouched(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http")
	before := snapshot(t, p.dir)
	r := p.fails(ExitConflict, "pkg", "install", "legion-next")
	for _, s := range []string{
		"Because legion-http >=1.2.0 depends on legion-core ^1.1.0 and legion-next depends on legion-core ^2.0.0, legion-http >=1.2.0 is incompatible with legion-next.\n",
		"So, because myapp depends on both legion-http ^1.2.0 and legion-next 1.0.0, version solving failed.\n",
	} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "conflicting install")

	r = p.fails(ExitNotFound, "pkg", "install", "legion-nope")
	sameSnapshot(t, before, snapshot(t, p.dir), "install of an unknown package")
	r = p.fails(ExitNotFound, "pkg", "install", "legion-core@^9")
	if !strings.Contains(r.stderr, "Because myapp depends on legion-core ^9 which doesn't match any versions, version solving failed.") {
		t.Errorf("stderr: %s", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install of a missing version")
}

func TestFailedDownloadLeavesProjectUntouched(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@1.0.0")
	// legion.json now asks for more than the lock has.
	m, _, _ := readManifest(p.dir)
	m.Dependencies["legion-http"] = "^1.2.0"
	m.Dependencies["legion-ping"] = "^1.0.0"
	m.Dependencies["legion-core"] = "^1.1.0"
	p.write("legion.json", string(m.Marshal()))
	before := snapshot(t, p.dir)

	for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError} {
		remove := fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/packages/legion-pong/*/download", Status: status})
		want := map[int]int{404: ExitNotFound, 500: ExitError}[status]
		r := p.fails(want, "pkg", "install")
		if !strings.Contains(r.stderr, "legion-pong@1.0.0") {
			t.Errorf("status %d: stderr does not name the package: %s", status, r.stderr)
		}
		sameSnapshot(t, before, snapshot(t, p.dir), "install with a failing download")
		remove()
	}

	// A registry that goes away halfway through staging: the version list
	// works, one download is refused.
	remove := fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/packages/legion-log/*/download", Status: http.StatusNotFound})
	p.fails(ExitNotFound, "pkg", "install")
	sameSnapshot(t, before, snapshot(t, p.dir), "install with a failing download")
	remove()

	// And once the registry works, the same install succeeds.
	p.ok("pkg", "install")
	if got := installedVersion(p.dir, "legion-pong"); got != "1.0.0" {
		t.Errorf("legion-pong installed %q", got)
	}
}

func TestSearchAndInfo(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	fx.srv.ResetRequests()
	golden(t, "search-http", p.ok("pkg", "search", "http").stdout)
	golden(t, "search-none", p.ok("pkg", "search", "zzzz").stdout)
	var sr legion.SearchResult
	if err := json.Unmarshal([]byte(p.ok("pkg", "search", "legion", "--limit", "2", "--json").stdout), &sr); err != nil || len(sr.Results) != 2 {
		t.Errorf("search --json: %+v %v", sr, err)
	}
	if fx.srv.Downloads("legion-http") != 900 {
		t.Error("search counted a download")
	}
	golden(t, "info-http", p.ok("pkg", "info", "legion-http").stdout)
	if got := fx.srv.Downloads("legion-http"); got != 901 {
		t.Errorf("info: downloads %d, want 901 (GET /packages/:name counts one)", got)
	}
	var pk legion.Package
	if err := json.Unmarshal([]byte(p.ok("pkg", "info", "legion-http", "--json").stdout), &pk); err != nil || pk.Name != "legion-http" || len(pk.Versions) != 2 {
		t.Errorf("info --json: %+v %v", pk, err)
	}
	r := p.fails(ExitNotFound, "pkg", "info", "legion-nope")
	if !strings.HasPrefix(r.stderr, "legion: info legion-nope: ") {
		t.Errorf("stderr %q", r.stderr)
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@^1.0.0")
	r := p.ok("pkg", "audit")
	if r.stdout != "no advisories in 1 dependency scanned\n" {
		t.Errorf("clean audit printed %q", r.stdout)
	}
	p.ok("pkg", "install", "legion-http")
	r = p.fails(ExitAdvisory, "pkg", "audit")
	golden(t, "audit", r.stdout)
	if !strings.Contains(r.stderr, "1 advisory at or above low") {
		t.Errorf("stderr %q", r.stderr)
	}
	r = p.run("", "pkg", "audit", "--json")
	if r.code != ExitAdvisory {
		t.Errorf("audit --json exit %d", r.code)
	}
	var rep legion.AuditReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].ID != "LEGION-2025-0001" || rep.Clean {
		t.Errorf("audit --json: %s (%v)", r.stdout, err)
	}
	p.ok("pkg", "audit", "--level", "critical") // a high advisory does not fail a critical gate
	p.fails(ExitUsage, "pkg", "audit", "--level", "severe")
}

func TestLoginWithTokenWhoamiLogout(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)

	r := p.fails(ExitAuth, "pkg", "whoami")
	if !strings.Contains(r.stderr, "not logged in") {
		t.Errorf("whoami before login: %v", r)
	}
	// A token the registry does not know is refused and not stored.
	bogus := "lgn_" + strings.Repeat("x", 32)
	r = p.fails(ExitAuth, "pkg", "login", "--token", bogus)
	if strings.Contains(r.stdout+r.stderr, bogus) || strings.Contains(r.stdout+r.stderr, strings.Repeat("x", 32)) {
		t.Errorf("the token was printed: %v", r)
	}
	credPath := filepath.Join(p.home, ".config", "legion", "credentials.json")
	if _, err := os.Stat(credPath); !os.IsNotExist(err) {
		t.Errorf("a refused token was stored (%v)", err)
	}
	p.fails(ExitAuth, "pkg", "login", "--token", "not-a-token")

	r = p.ok("pkg", "login", "--token", fx.aliceToken)
	if got := p.normalize(r.stdout); got != "Logged in as alice on $REGISTRY\n" {
		t.Errorf("login printed %q", got)
	}
	checkCredentialsFile(t, credPath, fx.srv.URL, fx.aliceToken)

	if r := p.ok("pkg", "whoami"); r.stdout != "alice\n" {
		t.Errorf("whoami printed %q", r.stdout)
	}
	var who map[string]any
	if err := json.Unmarshal([]byte(p.ok("pkg", "whoami", "--json").stdout), &who); err != nil || who["username"] != "alice" || who["email"] != "alice@example.com" {
		t.Errorf("whoami --json: %v %v", who, err)
	}

	// The stored token is not sent to another registry.
	other := legiontest.NewServer(t)
	r = p.fails(ExitAuth, "--registry", other.URL, "pkg", "whoami")
	for _, req := range other.Requests() {
		if req.Authenticated {
			t.Errorf("the token went to another registry: %s %s", req.Method, req.Path)
		}
	}

	r = p.ok("pkg", "logout")
	if r.stdout != "Logged out: the stored token was removed\n" {
		t.Errorf("logout printed %q", r.stdout)
	}
	if b, err := os.ReadFile(credPath); err == nil && strings.Contains(string(b), "lgn_") {
		t.Errorf("the token is still stored:\n%s", b)
	}
	p.fails(ExitAuth, "pkg", "whoami")
	if r := p.ok("pkg", "logout"); r.stdout != "Not logged in: no stored token\n" {
		t.Errorf("second logout printed %q", r.stdout)
	}

	// LEGION_TOKEN works without any stored credentials, and a revoked or
	// invalid one is exit 3 without being printed.
	p.env = []string{"LEGION_TOKEN=" + fx.aliceToken}
	if r := p.ok("pkg", "whoami"); r.stdout != "alice\n" {
		t.Errorf("whoami with LEGION_TOKEN printed %q", r.stdout)
	}
	p.env = []string{"LEGION_TOKEN=" + bogus}
	r = p.fails(ExitAuth, "pkg", "whoami")
	if strings.Contains(r.stderr, bogus) {
		t.Errorf("the token was printed: %s", r.stderr)
	}
}

func TestLoginInteractive(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	r := p.run("alice\n"+alicePassword+"\n", "pkg", "login")
	if r.code != 0 {
		t.Fatalf("login: %v", r)
	}
	if r.stderr != "Logging in to "+fx.srv.URL+"\nUsername: Password: " {
		t.Errorf("prompts on stderr: %q", r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, alicePassword) {
		t.Error("the password was echoed")
	}
	credPath := filepath.Join(p.home, ".config", "legion", "credentials.json")
	checkCredentialsFile(t, credPath, fx.srv.URL, "")
	if r := p.ok("pkg", "whoami"); r.stdout != "alice\n" {
		t.Errorf("whoami printed %q", r.stdout)
	}
	// The password was not sent anywhere but the login request.
	for _, req := range fx.srv.Requests() {
		if strings.Contains(string(req.Body)+req.Path+req.Query, alicePassword) {
			t.Errorf("password in %s %s", req.Method, req.Path)
		}
	}

	before, _ := os.ReadFile(credPath)
	r = p.run("alice\nwrong-password\n", "pkg", "login")
	if r.code != ExitAuth || strings.Contains(r.stderr, "wrong-password") || !strings.Contains(r.stderr, "legion pkg signup") {
		t.Errorf("wrong password: %v", r)
	}
	if after, _ := os.ReadFile(credPath); string(after) != string(before) {
		t.Error("a failed login changed the stored credentials")
	}
	if r := p.run("", "pkg", "login"); r.code != ExitUsage {
		t.Errorf("login with no input: %v", r)
	}
	// --username and a piped password.
	if r := p.run(alicePassword+"\n", "pkg", "login", "--username", "alice", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"username": "alice"`) {
		t.Errorf("login --username: %v", r)
	}
	// --token - reads the token from stdin.
	if r := p.run(fx.aliceToken+"\n", "pkg", "login", "--token", "-"); r.code != 0 {
		t.Errorf("login --token -: %v", r)
	}
}

// checkCredentialsFile checks mode 0600 (dir 0700), the registry, and the
// token when want is not empty.
func checkCredentialsFile(t *testing.T, path, registry, wantToken string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("credentials directory mode %v, want 0700", di.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	var c Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Registry != registry || !strings.HasPrefix(c.Token, "lgn_") || (wantToken != "" && c.Token != wantToken) {
		t.Errorf("credentials = %s", b)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("credentials directory holds %d entries (temporary files left?)", len(ents))
	}
}

func TestRemoveKeepsWhatOthersNeed(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@^1.0.0", "legion-json")
	// A stray dot file in legion_modules is not a package: still a no-op.
	p.write("legion_modules/.DS_Store", "junk")
	before := snapshot(t, p.dir)
	if r := p.ok("pkg", "install"); !strings.HasPrefix(r.stdout, "up to date") {
		t.Errorf("install with a dot file: %q", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install with a dot file")

	lockBefore := p.read("legion.lock")
	r := p.ok("pkg", "remove", "legion-core")
	if !strings.Contains(r.stdout, "note: legion-core@1.4.0 stays installed: other dependencies need it") {
		t.Errorf("remove printed:\n%s", r.stdout)
	}
	if p.read("legion.lock") != lockBefore {
		t.Error("the lock changed though the same packages are installed")
	}
	m, _, _ := readManifest(p.dir)
	if _, ok := m.Dependencies["legion-core"]; ok || m.Dependencies["legion-json"] != "^1.0.0" {
		t.Errorf("dependencies = %v", m.Dependencies)
	}
	if installedVersion(p.dir, "legion-core") != "1.4.0" {
		t.Error("legion-core was uninstalled")
	}
	p.fails(ExitUsage, "pkg", "remove")

	// list reports what is missing, and exits 1.
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-json")); err != nil {
		t.Fatal(err)
	}
	r = p.fails(ExitError, "pkg", "list")
	if !strings.Contains(r.stdout, "missing from legion_modules") || !strings.Contains(r.stderr, "myapp → legion-json: missing from legion_modules") {
		t.Errorf("list with a missing module: %v", r)
	}
}
