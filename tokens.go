package legion

import (
	"context"
	"strings"
	"time"
)

// Scope is a permission a token carries.
type Scope string

const (
	ScopeRead    Scope = "read"
	ScopePublish Scope = "publish" // publish and unpublish
)

// Token describes an API token; the registry shows only its prefix.
type Token struct {
	ID        string    `json:"id"` // short id, the token's last 8 characters
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix,omitempty"`
	Scopes    []Scope   `json:"scopes"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is the zero time for a token never used (the registry
	// sends null, nothing or ""); test it with IsZero.
	LastUsedAt time.Time `json:"lastUsedAt"`
}

// CreateTokenRequest is the body of POST /tokens.
type CreateTokenRequest struct {
	Name   string  `json:"name"`
	Scopes []Scope `json:"scopes"`
}

// CreatedToken is a new token: the only time its full value is shown.
type CreatedToken struct {
	Token
	Value Secret `json:"token"`
}

// ListTokens lists the user's tokens (prefixes only).
//
// GET /tokens
func (c *Client) ListTokens(ctx context.Context) ([]Token, error) {
	var env tokensEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/tokens", auth: true}, &env); err != nil {
		return nil, err
	}
	ts := make([]Token, len(env.Tokens))
	for i := range env.Tokens {
		ts[i] = env.Tokens[i].token()
	}
	return ts, nil
}

// CreateToken creates a token with the given scopes; a token cannot grant
// scopes it lacks (ErrForbidden). The value is in the result's Value.
//
// POST /tokens
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (*CreatedToken, error) {
	if strings.TrimSpace(req.Name) == "" {
		return nil, &ArgumentError{Arg: "name", Reason: "must not be empty"}
	}
	if len(req.Scopes) == 0 {
		return nil, &ArgumentError{Arg: "scopes", Reason: "must name at least one of read, publish"}
	}
	for _, s := range req.Scopes {
		if s != ScopeRead && s != ScopePublish {
			return nil, &ArgumentError{Arg: "scopes", Reason: "must be read or publish, not " + string(s)}
		}
	}
	var env createdTokenEnvelope
	if err := c.send(ctx, request{method: "POST", path: "/tokens", body: req, auth: true}, &env); err != nil {
		return nil, err
	}
	t := env.created()
	return &t, nil
}

// RevokeToken revokes one of the user's tokens by its short id (the last 8
// characters, as ListTokens shows it).
//
// DELETE /tokens/{id}
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	if id == "" {
		return &ArgumentError{Arg: "id", Reason: "must not be empty"}
	}
	// A full token in a URL path would end up in access logs.
	if strings.HasPrefix(id, "lgn_") {
		return &ArgumentError{Arg: "id", Reason: "pass the token's short id (its last 8 characters), not the token"}
	}
	return c.send(ctx, request{method: "DELETE", path: "/tokens/" + pathSegment(id), auth: true, goneOnRetry: true}, nil)
}
