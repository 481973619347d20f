package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

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
