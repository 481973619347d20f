package legiontest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"

	legion "github.com/legion-registry/legion-go"
)

// --- tokens ---

func (r *Registry) listTokens(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	out := make([]legion.Token, len(u.tokens))
	for i, t := range u.tokens {
		out[i] = t.public()
	}
	return http.StatusOK, tokensBody{true, out}
}

const maxTokenName = 100

func (r *Registry) createToken(c *reqCtx) (int, any) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, caller, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	var body legion.CreateTokenRequest
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	name := strings.TrimSpace(body.Name)
	switch {
	case name == "":
		return c.fail(http.StatusBadRequest, "name is required")
	case jsLen(name) > maxTokenName:
		return c.fail(http.StatusBadRequest, fmt.Sprintf("name must be at most %d characters", maxTokenName))
	case strings.ContainsFunc(name, unicode.IsControl):
		return c.fail(http.StatusBadRequest, "name must not hold control characters")
	case len(body.Scopes) == 0:
		return c.fail(http.StatusBadRequest, "scopes is required: one or more of read, publish")
	}
	scopes, unknown, valid := canonicalScopes(body.Scopes)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("scopes: unknown scope %q (use read or publish)", clip(unknown)))
	}
	for _, s := range scopes {
		if !caller.has(s) {
			return c.fail(http.StatusForbidden, fmt.Sprintf("this token lacks the %s scope, so it cannot grant it", s))
		}
	}
	tok, err := r.newTokenLocked(r.st, u, name, "", scopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusCreated, createdTokenBody{true, r.st.tokens[hashToken(tok)].public(), tok}
}

// revokeToken revokes a token of the caller's account that holds no scope
// the calling token lacks (as creation grants none): a leaked read token
// cannot cut off CI's publish token. A token may always revoke itself.
func (r *Registry) revokeToken(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, caller, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	id := c.segs[1]
	i := slices.IndexFunc(u.tokens, func(t *tokenRec) bool { return t.id == id })
	if i < 0 {
		// Another user's token is just as unknown: no hint that it exists.
		return c.fail(http.StatusNotFound, "token not found")
	}
	t := u.tokens[i]
	if t != caller {
		for _, s := range t.scopes {
			if !caller.has(s) {
				return c.fail(http.StatusForbidden, fmt.Sprintf("this token lacks the %s scope, so it cannot revoke a token that has it", s))
			}
		}
	}
	delete(r.st.tokens, t.hash)
	delete(r.st.tokenIDs, t.id)
	u.tokens = slices.Delete(u.tokens, i, i+1)
	return http.StatusOK, okBody{Success: true}
}

// ShortID returns the id of a token as the registry names it: in the
// token listing and in DELETE /tokens/{id}, which RevokeToken takes. It is
// legion.ShortID, kept here for tests.
func ShortID(token string) string { return legion.ShortID(token) }
