package legiontest_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
)

var tokenRe = regexp.MustCompile(`^lgn_[A-Za-z0-9]{32}$`)

func TestAccounts(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	anon := srv.Client()

	s, err := anon.Signup(ctx(), legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	if !tokenRe.MatchString(s.Token.Reveal()) {
		t.Fatalf("token %q is not lgn_ and 32 letters or digits", s.Token.Reveal())
	}
	wantUser := legion.User{Username: "alice", Email: "alice@example.com", CreatedAt: t0}
	if diff := cmp.Diff(wantUser, s.User); diff != "" {
		t.Errorf("signup user (-want +got):\n%s", diff)
	}

	alice := srv.Client(legion.WithToken(s.Token.Reveal()))
	me, err := alice.Me(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantUser, *me); diff != "" {
		t.Errorf("Me (-want +got):\n%s", diff)
	}

	clock.Advance(time.Hour)
	l, err := anon.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	if l.Token.Equal(s.Token) || !tokenRe.MatchString(l.Token.Reveal()) {
		t.Errorf("login token %q: want a new token", l.Token.Reveal())
	}
	if diff := cmp.Diff(wantUser, l.User); diff != "" {
		t.Errorf("login user (-want +got):\n%s", diff)
	}
	// The login token has both scopes: it can publish.
	publish(t, srv.Client(legion.WithToken(l.Token.Reveal())), legion.PublishRequest{Name: "by-login", Version: "1.0.0"})

	_, err = anon.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("wrong-password")})
	wantStatus(t, err, 401, "invalid username or password")
	_, err = anon.Login(ctx(), legion.LoginRequest{Username: "nobody", Password: legion.NewSecret("hunter2xx")})
	wantStatus(t, err, 401, "invalid username or password")

	// Public profile: no e-mail.
	u, err := anon.GetUser(ctx(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(legion.User{Username: "alice", CreatedAt: t0}, *u); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	_, err = anon.GetUser(ctx(), "nobody")
	wantStatus(t, err, 404, "not found")

	// Me needs a valid token.
	if _, err := anon.Me(ctx()); !errors.Is(err, legion.ErrUnauthorized) {
		t.Errorf("Me without token: %v", err)
	}
	bogus := srv.Client(legion.WithToken("lgn_" + "x0000000000000000000000000000000"))
	_, err = bogus.Me(ctx())
	wantStatus(t, err, 401, "invalid or revoked token")
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	anon := srv.Client()
	if _, err := anon.Signup(ctx(), legion.SignupRequest{Username: "bob", Email: "bob@example.com", Password: legion.NewSecret("longenough")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req    legion.SignupRequest
		status int
		msg    string
	}{
		{legion.SignupRequest{Username: "ab", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "Bob2", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "-bob", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "bob.smith", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "abcdefghijklmnopqrstuvwxyz0123456", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "carol", Email: "carol@localhost", Password: legion.NewSecret("longenough")}, 400, "email"},
		{legion.SignupRequest{Username: "carol", Email: "carol@.com", Password: legion.NewSecret("longenough")}, 400, "email"},
		{legion.SignupRequest{Username: "carol", Email: "carol@example.com", Password: legion.NewSecret("short")}, 400, "password"},
		{legion.SignupRequest{Username: "bob", Email: "other@example.com", Password: legion.NewSecret("longenough")}, 409, "username"},
		{legion.SignupRequest{Username: "carol", Email: "BOB@example.com", Password: legion.NewSecret("longenough")}, 409, "email"},
	} {
		_, err := anon.Signup(ctx(), tc.req)
		wantStatus(t, err, tc.status, tc.msg)
	}
	// Edge cases that are valid.
	for _, req := range []legion.SignupRequest{
		{Username: "a_b", Email: "ab@sub.example.org", Password: legion.NewSecret("12345678")},
		{Username: "0-9", Email: "n@x.io", Password: legion.NewSecret("ünïcödé!")},
		{Username: "abcdefghijklmnopqrstuvwxyz012345", Email: "long@example.com", Password: legion.NewSecret("12345678")},
	} {
		if _, err := anon.Signup(ctx(), req); err != nil {
			t.Errorf("Signup %q: %v", req.Username, err)
		}
	}
}

func TestTokensAndScopes(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")

	clock.Advance(time.Minute)
	ro, err := alice.CreateToken(ctx(), legion.CreateTokenRequest{Name: "read only", Scopes: []legion.Scope{legion.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	v := ro.Value.Reveal()
	if !tokenRe.MatchString(v) {
		t.Fatalf("token %q", v)
	}
	wantRO := legion.Token{ID: v[len(v)-8:], Name: "read only", Prefix: v[:8], Scopes: []legion.Scope{legion.ScopeRead}, CreatedAt: t0.Add(time.Minute)}
	if diff := cmp.Diff(wantRO, ro.Token); diff != "" {
		t.Errorf("created token (-want +got):\n%s", diff)
	}

	readOnly := srv.Client(legion.WithToken(v))
	clock.Advance(time.Minute)
	ts, err := readOnly.ListTokens(ctx())
	if err != nil {
		t.Fatal(err)
	}
	// The default token was last used a minute ago, by CreateToken; the
	// read-only one just now, by this very call.
	if len(ts) != 2 || ts[0].Name != "default" || ts[1].ID != wantRO.ID {
		t.Fatalf("tokens = %+v", ts)
	}
	if !ts[0].LastUsedAt.Equal(t0.Add(time.Minute)) || !ts[1].LastUsedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("lastUsedAt = %v, %v", ts[0].LastUsedAt, ts[1].LastUsedAt)
	}
	if diff := cmp.Diff([]legion.Scope{legion.ScopeRead, legion.ScopePublish}, ts[0].Scopes); diff != "" {
		t.Errorf("default token scopes (-want +got):\n%s", diff)
	}

	// A read-only token can neither publish nor unpublish nor mint a
	// publish token; it can mint another read token.
	_, err = readOnly.Publish(ctx(), legion.PublishRequest{Name: "nope", Version: "1.0.0"})
	if !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("read-only Publish: %v, want ErrForbidden", err)
	}
	publish(t, alice, legion.PublishRequest{Name: "mine", Version: "1.0.0"})
	if err := readOnly.Unpublish(ctx(), "mine"); !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("read-only Unpublish: %v, want ErrForbidden", err)
	}
	_, err = readOnly.CreateToken(ctx(), legion.CreateTokenRequest{Name: "escalate", Scopes: []legion.Scope{legion.ScopeRead, legion.ScopePublish}})
	wantStatus(t, err, 403, "publish")
	if _, err := readOnly.CreateToken(ctx(), legion.CreateTokenRequest{Name: "another", Scopes: []legion.Scope{legion.ScopeRead}}); err != nil {
		t.Errorf("read-only minting a read token: %v", err)
	}

	// A publish-only token can publish.
	po, err := alice.CreateToken(ctx(), legion.CreateTokenRequest{Name: "ci", Scopes: []legion.Scope{legion.ScopePublish}})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, srv.Client(legion.WithToken(po.Value.Reveal())), legion.PublishRequest{Name: "mine", Version: "1.1.0"})

	// Bob cannot revoke Alice's token; it stays valid.
	err = bob.RevokeToken(ctx(), wantRO.ID)
	wantStatus(t, err, 404, "token not found")
	if _, err := readOnly.Me(ctx()); err != nil {
		t.Errorf("token revoked by another user: %v", err)
	}
	err = alice.RevokeToken(ctx(), "zzzzzzzz")
	wantStatus(t, err, 404, "token not found")

	// Alice revokes it: 401 afterwards, and it is gone from the list.
	if err := alice.RevokeToken(ctx(), wantRO.ID); err != nil {
		t.Fatal(err)
	}
	_, err = readOnly.Me(ctx())
	wantStatus(t, err, 401, "invalid or revoked token")
	ts, err = alice.ListTokens(ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if tok.ID == wantRO.ID {
			t.Errorf("revoked token still listed")
		}
	}
	// A revoked token on a public endpoint is ignored, not refused.
	if _, err := readOnly.Stats(ctx()); err != nil {
		t.Errorf("public endpoint with a revoked token: %v", err)
	}
}
