package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
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
