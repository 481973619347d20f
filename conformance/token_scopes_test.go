package conformance

import (
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// --- token management by scope: GET /tokens, POST /tokens, DELETE /tokens/:id ---

// TestTokenScopes checks the project's decision (legiontest's doc): any
// valid token lists the account's tokens; a token creates and revokes only
// tokens whose scopes it holds, and may revoke itself. Against the live
// registry it shows what the registry really does.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	c, rec := owner(t)
	read := createToken(t, c, rec, legion.CreateTokenRequest{Name: "lgc " + e.run + " scopes-read", Scopes: []legion.Scope{legion.ScopeRead}})
	pub := createToken(t, c, rec, legion.CreateTokenRequest{Name: "lgc " + e.run + " scopes-publish", Scopes: []legion.Scope{legion.ScopePublish}})
	rc, rrec := client(t, read.Value.Reveal())
	pc, prec := client(t, pub.Value.Reveal())

	_, err := rc.ListTokens(ctx)
	ok(t, "a read token lists tokens", err, rrec, 200)
	_, err = pc.ListTokens(ctx)
	ok(t, "a publish-only token lists tokens", err, prec, 200)

	err = rc.RevokeToken(ctx, pub.ID)
	status(t, "a read token revoking a publish token", err, 403, legion.ErrForbidden)
	if _, err := pc.ListTokens(ctx); err != nil {
		t.Fatalf("the publish token no longer works after a read token tried to revoke it: %v", err)
	}
	err = pc.RevokeToken(ctx, read.ID)
	status(t, "a publish-only token revoking a read token", err, 403, legion.ErrForbidden)

	sub := createToken(t, rc, rrec, legion.CreateTokenRequest{Name: "lgc " + e.run + " scopes-sub", Scopes: []legion.Scope{legion.ScopeRead}})
	err = rc.RevokeToken(ctx, sub.ID)
	ok(t, "a read token revoking a read token", err, rrec, 200, 204)
	err = pc.RevokeToken(ctx, pub.ID)
	ok(t, "a token revoking itself", err, prec, 200, 204)
	_, err = pc.ListTokens(ctx)
	status(t, "a token that revoked itself", err, 401, legion.ErrUnauthorized)
}
