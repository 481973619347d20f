package conformance

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// --- authentication: POST /auth/signup, POST /auth/login, GET /auth/me ---

func TestAuth(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	anon, rec := client(t, "")
	user := name("auth")
	password := legion.NewSecret("pw-" + randomString(12))

	s, err := anon.Signup(ctx, legion.SignupRequest{Username: user, Email: user + "@example.com", Password: password})
	ok(t, "signup", err, rec, created...)
	if !strings.HasPrefix(s.Token.Reveal(), "lgn_") || s.User.Username != user {
		t.Fatalf("signup answered %+v", s)
	}
	self, _ := client(t, s.Token.Reveal())
	t.Cleanup(func() { revokeAll(t, self) })

	t.Run("username taken 409", func(t *testing.T) {
		_, err := anon.Signup(ctx, legion.SignupRequest{Username: user, Email: "other-" + user + "@example.com", Password: password})
		status(t, "signup again", err, 409, legion.ErrConflict)
	})
	t.Run("invalid input 400", func(t *testing.T) {
		_, err := anon.Signup(ctx, legion.SignupRequest{Username: "Not A Valid Name!", Email: user + "x@example.com", Password: password})
		status(t, "signup with an invalid username", err, 400, legion.ErrBadRequest)
	})
	t.Run("login", func(t *testing.T) {
		l, err := anon.Login(ctx, legion.LoginRequest{Username: user, Password: password})
		ok(t, "login", err, rec, 200)
		if !strings.HasPrefix(l.Token.Reveal(), "lgn_") || l.User.Username != user {
			t.Fatalf("login answered %+v", l)
		}
		viaLogin, _ := client(t, l.Token.Reveal())
		if me, err := viaLogin.Me(ctx); err != nil || me.Username != user {
			t.Fatalf("Me with the login token: %+v, %v", me, err)
		}
	})
	t.Run("login wrong password 401", func(t *testing.T) {
		_, err := anon.Login(ctx, legion.LoginRequest{Username: user, Password: legion.NewSecret("wrong-" + password.Reveal())})
		status(t, "login with a wrong password", err, 401, legion.ErrUnauthorized)
	})
	t.Run("me", func(t *testing.T) {
		c, rec := client(t, s.Token.Reveal())
		me, err := c.Me(ctx)
		ok(t, "me", err, rec, 200)
		if me.Username != user || me.Email != user+"@example.com" {
			t.Fatalf("me: %+v", me)
		}
	})
	t.Run("me invalid token 401", func(t *testing.T) {
		c, _ := client(t, bogusToken())
		_, err := c.Me(ctx)
		status(t, "me with an unknown token", err, 401, legion.ErrUnauthorized)
	})
	t.Run("me without token", func(t *testing.T) {
		_, err := anon.Me(ctx)
		if !errors.Is(err, legion.ErrNoToken) || !errors.Is(err, legion.ErrUnauthorized) {
			t.Fatalf("me without a token: %v, want ErrNoToken", err)
		}
	})
}

// revokeAll revokes every token of c's user (c's own last), for accounts
// the suite made.
func revokeAll(t *testing.T, c *legion.Client) {
	ctx := ctxFor(t)
	ts, err := c.ListTokens(ctx)
	if err != nil {
		return // already revoked
	}
	for _, tok := range ts {
		if err := c.RevokeToken(ctx, tok.ID); err != nil && !errors.Is(err, legion.ErrUnauthorized) {
			t.Logf("cleanup: revoking %s: %v", tok.ID, err)
		}
	}
}

// --- tokens: GET /tokens, POST /tokens, DELETE /tokens/:id ---

func TestTokens(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	label := "lgc " + e.run + " read-only"

	ro := createToken(t, c, rec, legion.CreateTokenRequest{Name: label, Scopes: []legion.Scope{legion.ScopeRead}})
	value := ro.Value.Reveal()
	if !strings.HasPrefix(value, "lgn_") || ro.ID == "" || !strings.HasSuffix(value, ro.ID) || ro.Name != label {
		t.Fatalf("created token: id %q name %q, value %d characters", ro.ID, ro.Name, len(value))
	}
	if !slices.Equal(ro.Scopes, []legion.Scope{legion.ScopeRead}) {
		t.Errorf("created token scopes %v, want [read]", ro.Scopes)
	}

	t.Run("list shows the prefix only", func(t *testing.T) {
		ts, err := c.ListTokens(ctx)
		ok(t, "list tokens", err, rec, 200)
		i := slices.IndexFunc(ts, func(x legion.Token) bool { return x.ID == ro.ID })
		if i < 0 {
			t.Fatalf("token %s not listed among %d", ro.ID, len(ts))
		}
		got := ts[i]
		if got.Name != label || got.Prefix == "" || len(got.Prefix) >= len(value) || !strings.HasPrefix(value, got.Prefix) {
			t.Errorf("listed token: %+v", got)
		}
		raw, _ := json.Marshal(ts)
		if strings.Contains(string(raw), value) || strings.Contains(string(raw), value[4:]) {
			t.Fatal("the token list carries a full token value")
		}
	})
	t.Run("read-only token", func(t *testing.T) {
		roc, rorec := client(t, value)
		me, err := roc.Me(ctx)
		ok(t, "me with a read-only token", err, rorec, 200)
		if me.Username != e.owner {
			t.Fatalf("me: %+v", me)
		}
		_, err = roc.Publish(ctx, legion.PublishRequest{Name: name("ro"), Version: "1.0.0"})
		cleanupPackage(t, c, name("ro")) // in case it was published after all
		status(t, "publish with a read-only token", err, 403, legion.ErrForbidden)
		_, err = roc.CreateToken(ctx, legion.CreateTokenRequest{Name: "escalate", Scopes: []legion.Scope{legion.ScopePublish}})
		status(t, "a read-only token granting publish", err, 403, legion.ErrForbidden)
	})
	t.Run("publish token", func(t *testing.T) {
		pt := createToken(t, c, rec, legion.CreateTokenRequest{Name: "lgc " + e.run + " ci", Scopes: []legion.Scope{legion.ScopeRead, legion.ScopePublish}})
		ptc, ptrec := client(t, pt.Value.Reveal())
		cleanupPackage(t, c, name("tok"))
		publish(t, ptc, ptrec, legion.PublishRequest{Name: name("tok"), Version: "1.0.0"})
		if p, err := ptc.Download(ctx, name("tok"), legion.Latest); err != nil || p.Author != e.owner {
			t.Fatalf("a package published with a created token: %+v, %v", p, err)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		err := c.RevokeToken(ctx, ro.ID)
		ok(t, "revoke", err, rec, 200, 204)
		roc, _ := client(t, value)
		_, err = roc.Me(ctx)
		status(t, "me with a revoked token", err, 401, legion.ErrUnauthorized)
		ts, err := c.ListTokens(ctx)
		if err != nil || slices.ContainsFunc(ts, func(x legion.Token) bool { return x.ID == ro.ID }) {
			t.Fatalf("the revoked token is still listed (%v)", err)
		}
		err = c.RevokeToken(ctx, ro.ID)
		status(t, "revoke again", err, 404, legion.ErrNotFound)
	})
	t.Run("invalid token 401", func(t *testing.T) {
		bad, _ := client(t, bogusToken())
		_, err := bad.ListTokens(ctx)
		status(t, "list tokens with an unknown token", err, 401, legion.ErrUnauthorized)
		_, err = bad.CreateToken(ctx, legion.CreateTokenRequest{Name: "x", Scopes: []legion.Scope{legion.ScopeRead}})
		status(t, "create a token with an unknown token", err, 401, legion.ErrUnauthorized)
		err = bad.RevokeToken(ctx, ro.ID)
		status(t, "revoke with an unknown token", err, 401, legion.ErrUnauthorized)
	})
}

// --- publishing: POST /packages/publish, POST /packages/unpublish ---
