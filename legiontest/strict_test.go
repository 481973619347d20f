package legiontest_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// TestExactKeys: request bodies are read as a JavaScript server reads
// them: a key in another case is an unknown key, ignored.
func TestExactKeys(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	auth := []string{"Authorization", "Bearer " + tok}
	for _, tc := range []struct {
		name, path, body string
		headers          []string
		status           int
		msg              string
	}{
		{"publish VERSION", "/packages/publish", `{"name":"lib","VERSION":"1.0.1"}`, auth, 400, "version is required"},
		{"publish Name", "/packages/publish", `{"Name":"lib","version":"1.0.1"}`, auth, 400, "name is required"},
		{"login PASSWORD", "/auth/login", `{"username":"alice","PASSWORD":"alice-password"}`, nil, 400, "password is required"},
		// The exact key wins whatever the order; JSON.parse would take it too.
		{"login password then Password", "/auth/login", `{"username":"alice","password":"wrong-password","Password":"alice-password"}`, nil, 401, "invalid username or password"},
		{"login Password then password", "/auth/login", `{"username":"alice","Password":"wrong-password","password":"alice-password"}`, nil, 200, ""},
		{"signup Email", "/auth/signup", `{"username":"bobby","Email":"b@example.com","password":"12345678"}`, nil, 400, "email is required"},
		{"token Scopes", "/tokens", `{"name":"ci","Scopes":["read"]}`, auth, 400, "scopes is required"},
		{"unpublish NAME", "/packages/unpublish", `{"NAME":"lib"}`, auth, 400, "name is required"},
		{"audit Dependencies", "/audit", `{"Dependencies":{"lib":"^1"}}`, nil, 400, "dependencies is required"},
		// A null under a wrongly cased key is an unknown key, not a null field.
		{"null under another case", "/auth/login", `{"username":"alice","password":"alice-password","Username":null}`, nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			do(t, srv, "POST", tc.path, tc.body, tc.headers...).want(t, tc.status, tc.msg)
		})
	}
	if p, _ := srv.Package("lib"); p.Latest.Original() != "1.0.0" {
		t.Errorf("latest = %s after refused publishes, want 1.0.0", p.Latest)
	}
}

// TestSizeLimits: each limit answers 400 naming the field, and a value at
// the limit is accepted.
func TestSizeLimits(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	c := srv.Client(legion.WithToken(tok))
	kw := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%0*d", size, i)
		}
		return out
	}
	deps := func(n int) map[string]string {
		out := map[string]string{}
		for i := range n {
			out[fmt.Sprintf("dep-%d", i)] = "^1.0.0"
		}
		return out
	}
	for i, tc := range []struct {
		name string
		req  legion.PublishRequest
		msg  string // "" when accepted
	}{
		{"description at the limit", legion.PublishRequest{Description: strings.Repeat("é", legiontest.MaxDescriptionLen)}, ""},
		{"description over", legion.PublishRequest{Description: strings.Repeat("d", legiontest.MaxDescriptionLen+1)}, "description must be at most 1000 characters"},
		// As JavaScript's length counts: an emoji is two UTF-16 code units.
		{"description of emoji at the limit", legion.PublishRequest{Description: strings.Repeat("😀", legiontest.MaxDescriptionLen/2)}, ""},
		{"description of emoji over", legion.PublishRequest{Description: strings.Repeat("😀", legiontest.MaxDescriptionLen/2+1)}, "description must be at most 1000 characters"},
		{"license over", legion.PublishRequest{License: strings.Repeat("l", legiontest.MaxLicenseLen+1)}, "license must be at most"},
		{"readme at the limit", legion.PublishRequest{Readme: strings.Repeat("r", legiontest.MaxReadmeBytes)}, ""},
		{"readme over", legion.PublishRequest{Readme: strings.Repeat("r", legiontest.MaxReadmeBytes+1)}, "readme must be at most 65536 bytes"},
		{"keywords at the limit", legion.PublishRequest{Keywords: kw(legiontest.MaxKeywords, legiontest.MaxKeywordLen)}, ""},
		{"keywords over", legion.PublishRequest{Keywords: kw(legiontest.MaxKeywords+1, 3)}, "keywords must hold at most 32"},
		{"keyword too long", legion.PublishRequest{Keywords: kw(3, legiontest.MaxKeywordLen+1)}, "keywords[0] must be at most 50 characters"},
		{"dependencies at the limit", legion.PublishRequest{Dependencies: deps(legiontest.MaxDependencies)}, ""},
		{"dependencies over", legion.PublishRequest{Dependencies: deps(legiontest.MaxDependencies + 1)}, "dependencies must hold at most 256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Name, tc.req.Version = "lib", fmt.Sprintf("2.0.%d", i)
			_, err := c.Publish(ctx(), tc.req)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantStatus(t, err, http.StatusBadRequest, tc.msg)
		})
	}
	// Seeds are held to the same limits.
	err := srv.AddPackage(legiontest.SeedPackage{Name: "big", Owner: "alice", Description: strings.Repeat("d", 1001), Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}})
	if err == nil || !strings.Contains(err.Error(), "description") {
		t.Errorf("AddPackage with a long description: err = %v", err)
	}
}

// TestTokenScopes: any valid token lists tokens; a token creates and
// revokes only tokens whose scopes it holds, and may revoke itself.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	if _, err := srv.AddUser("alice", "alice@example.com", "alice-password"); err != nil {
		t.Fatal(err)
	}
	readTok, err := srv.AddToken("alice", "reader", legion.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	pubTok, err := srv.AddToken("alice", "ci", legion.ScopePublish)
	if err != nil {
		t.Fatal(err)
	}
	read := srv.Client(legion.WithToken(readTok))
	pub := srv.Client(legion.WithToken(pubTok))

	toks, err := read.ListTokens(ctx())
	if err != nil || len(toks) != 3 {
		t.Fatalf("a read token lists: %d tokens, %v", len(toks), err)
	}
	if _, err := pub.ListTokens(ctx()); err != nil {
		t.Fatalf("a publish token lists: %v", err)
	}
	_, err = read.CreateToken(ctx(), legion.CreateTokenRequest{Name: "x", Scopes: []legion.Scope{legion.ScopePublish}})
	wantStatus(t, err, http.StatusForbidden, "cannot grant")
	other, err := read.CreateToken(ctx(), legion.CreateTokenRequest{Name: "x", Scopes: []legion.Scope{legion.ScopeRead}})
	if err != nil {
		t.Fatalf("a read token creates a read token: %v", err)
	}

	err = read.RevokeToken(ctx(), legiontest.ShortID(pubTok))
	wantStatus(t, err, http.StatusForbidden, "cannot revoke a token that has it")
	if _, err := pub.ListTokens(ctx()); err != nil {
		t.Fatalf("the publish token was revoked by a read token: %v", err)
	}
	// A publish-only token holds no read scope: it cannot revoke a read token.
	err = pub.RevokeToken(ctx(), other.ID)
	wantStatus(t, err, http.StatusForbidden, "lacks the read scope")
	if err := read.RevokeToken(ctx(), other.ID); err != nil {
		t.Fatalf("a read token revokes a read token: %v", err)
	}
	if err := pub.RevokeToken(ctx(), legiontest.ShortID(pubTok)); err != nil {
		t.Fatalf("a token revokes itself: %v", err)
	}
	_, err = pub.ListTokens(ctx())
	wantStatus(t, err, http.StatusUnauthorized, "")
}

// TestLimitsAtTheBoundary: a body of exactly the cap, a license and a
// token name of exactly their length (in characters, not bytes) are
// accepted; one more byte or character is refused.
func TestLimitsAtTheBoundary(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t, legiontest.WithMaxBodyBytes(256))
	auth := []string{"Authorization", "Bearer " + tok}
	body := func(n int, version string) string {
		head := `{"name":"lib","version":"` + version + `","readme":"`
		return head + strings.Repeat("x", n-len(head)-2) + `"}`
	}
	do(t, srv, "POST", "/packages/publish", body(256, "3.0.0"), auth...).want(t, 201, "")
	do(t, srv, "POST", "/packages/publish", body(257, "3.0.1"), auth...).want(t, 413, "exceeds 256 bytes")

	srv, tok = rawServer(t)
	auth = []string{"Authorization", "Bearer " + tok}
	license := func(n int, version string) string {
		return `{"name":"lib","version":"` + version + `","license":"` + strings.Repeat("é", n) + `"}`
	}
	do(t, srv, "POST", "/packages/publish", license(legiontest.MaxLicenseLen, "4.0.0"), auth...).want(t, 201, "")
	do(t, srv, "POST", "/packages/publish", license(legiontest.MaxLicenseLen+1, "4.0.1"), auth...).want(t, 400, "license must be at most 100")
	token := func(n int) string { return `{"name":"` + strings.Repeat("é", n) + `","scopes":["read"]}` }
	do(t, srv, "POST", "/tokens", token(100), auth...).want(t, 201, "")
	do(t, srv, "POST", "/tokens", token(101), auth...).want(t, 400, "name must be at most 100")
}

// A token's name is shown in token lists: control characters (a newline,
// an escape sequence) are refused, and its length counts as JavaScript's.
func TestTokenNameRules(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	c := srv.Client(legion.WithToken(tok))
	for name, want := range map[string]string{
		"ci\n\x1b[31m":          "name must not hold control characters",
		"c\u0085i":              "name must not hold control characters",
		strings.Repeat("😀", 51): "name must be at most 100 characters",
		strings.Repeat("😀", 50): "",
	} {
		_, err := c.CreateToken(ctx(), legion.CreateTokenRequest{Name: name, Scopes: []legion.Scope{legion.ScopeRead}})
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", name, err)
		case want != "" && (!errors.Is(err, legion.ErrBadRequest) || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: err = %v, want 400 %q", name, err, want)
		}
	}
}
