package legion

import (
	"context"
	"strings"
)

// SignupRequest is the body of POST /auth/signup.
type SignupRequest struct {
	Username string
	Email    string
	Password Secret
}

// LoginRequest is the body of POST /auth/login.
type LoginRequest struct {
	Username string
	Password Secret
}

// Session is what signup and login return: a token with both scopes, and
// the account it belongs to. Token encodes to JSON as "[redacted]" like any
// Secret, so this is not a wire type for writing answers: store
// Token.Reveal() explicitly.
type Session struct {
	Token Secret `json:"token"`
	User  User   `json:"user"`
}

// Signup creates an account and returns its first token.
//
// POST /auth/signup
func (c *Client) Signup(ctx context.Context, req SignupRequest) (*Session, error) {
	if err := validateUsername(req.Username); err != nil {
		return nil, err
	}
	if at := strings.IndexByte(req.Email, '@'); at < 1 || at == len(req.Email)-1 {
		return nil, &ArgumentError{Arg: "email", Reason: "must be an address like name@example.com"}
	}
	if req.Password.IsZero() {
		return nil, &ArgumentError{Arg: "password", Reason: "must not be empty"}
	}
	return c.session(ctx, "/auth/signup", req.Password, struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}{req.Username, req.Email, req.Password.Reveal()})
}

// Login exchanges a username and password for a token. The password (of
// 4 bytes or more) is cut out of the error should the server repeat it.
//
// POST /auth/login
func (c *Client) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	if err := validateUsername(req.Username); err != nil {
		return nil, err
	}
	if req.Password.IsZero() {
		return nil, &ArgumentError{Arg: "password", Reason: "must not be empty"}
	}
	return c.session(ctx, "/auth/login", req.Password, struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{req.Username, req.Password.Reveal()})
}

// session sends body, which carries password: a server that repeats the
// password in its answer does not get it into the error (or the log).
func (c *Client) session(ctx context.Context, path string, password Secret, body any) (*Session, error) {
	if c != nil && c.cleartext {
		return nil, errCleartext("a password")
	}
	var env sessionEnvelope
	if err := c.send(ctx, request{method: "POST", path: path, body: body, secret: password}, &env); err != nil {
		return nil, err
	}
	return &Session{Token: NewSecret(env.Token), User: env.User.user()}, nil
}

// Me returns the account the client's token belongs to.
//
// GET /auth/me
func (c *Client) Me(ctx context.Context) (*User, error) {
	var env userEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/auth/me", auth: true}, &env); err != nil {
		return nil, err
	}
	u := env.user()
	return &u, nil
}
