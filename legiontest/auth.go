package legiontest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// --- accounts ---

func (r *Registry) signup(c *reqCtx) (int, any) {
	var body signupIn
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, f := r.addUserLocked(r.st, body.Username, body.Email, body.Password, now)
	if f != nil {
		return c.failWith(f)
	}
	tok, err := r.newTokenLocked(r.st, u, "signup", "", bothScopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusCreated, sessionBody{true, tok, u.private()}
}

// addUserLocked validates and stores a new account (r.mu held).
func (r *Registry) addUserLocked(st *state, username, email, password string, createdAt time.Time) (*userRec, *failure) {
	bad := func(msg string) (*userRec, *failure) { return nil, &failure{http.StatusBadRequest, msg} }
	switch {
	case username == "":
		return bad("username is required")
	case !validUsername(username):
		return bad("username " + usernameRule)
	case email == "":
		return bad("email is required")
	case !validEmail(email):
		return bad("email " + emailRule)
	case password == "":
		return bad("password is required")
	case !validPassword(password):
		return bad(fmt.Sprintf("password must be at least %d characters", minPassword))
	}
	if st.users[username] != nil {
		return nil, &failure{http.StatusConflict, fmt.Sprintf("username %q is already taken", username)}
	}
	if _, taken := st.emails[strings.ToLower(email)]; taken {
		return nil, &failure{http.StatusConflict, "email is already registered"}
	}
	pw, err := r.newPasswordLocked(password)
	if err != nil {
		return nil, &failure{http.StatusInternalServerError, "could not hash the password"}
	}
	u := &userRec{username: username, email: email, createdAt: createdAt, pw: pw}
	st.users[username] = u
	st.emails[strings.ToLower(email)] = username
	return u, nil
}

func (r *Registry) login(c *reqCtx) (int, any) {
	var body loginIn
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	switch {
	case body.Username == "":
		return c.fail(http.StatusBadRequest, "username is required")
	case body.Password == "":
		return c.fail(http.StatusBadRequest, "password is required")
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[body.Username]
	if u == nil || !u.pw.verify(body.Password) {
		return c.fail(http.StatusUnauthorized, "invalid username or password")
	}
	tok, err := r.newTokenLocked(r.st, u, "login", "", bothScopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusOK, sessionBody{true, tok, u.private()}
}

func (r *Registry) me(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	return http.StatusOK, userBody{true, u.private()}
}

func (r *Registry) getUser(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[c.segs[1]]
	if u == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("user %q not found", clip(c.segs[1])))
	}
	return http.StatusOK, userBody{true, u.public()}
}

func (r *Registry) userPackages(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[c.segs[1]]
	if u == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("user %q not found", clip(c.segs[1])))
	}
	ix := r.st.idx
	ix.ready(r.st.pkgs)
	owned := ix.byOwner[u.username] // in name order
	out := make([]legion.Package, len(owned))
	for i, p := range owned {
		out[i] = p.summary()
	}
	return http.StatusOK, packagesBody{true, out}
}
