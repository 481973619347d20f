package legion

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// everyMethod calls each method of the client once, for tests that give
// every endpoint the same answer.
func everyMethod(c *Client) map[string]func(ctx context.Context) error {
	discard := func(_ any, err error) error { return err }
	return map[string]func(ctx context.Context) error{
		"GetPackage":   func(ctx context.Context) error { return discard(c.GetPackage(ctx, "legion-x")) },
		"ListPackages": func(ctx context.Context) error { return discard(c.ListPackages(ctx, nil)) },
		"ListVersions": func(ctx context.Context) error { return discard(c.ListVersions(ctx, "legion-x")) },
		"Download":     func(ctx context.Context) error { return discard(c.Download(ctx, "legion-x", "1.0.0")) },
		"Search":       func(ctx context.Context) error { return discard(c.Search(ctx, "x", nil)) },
		"Stats":        func(ctx context.Context) error { return discard(c.Stats(ctx)) },
		"Me":           func(ctx context.Context) error { return discard(c.Me(ctx)) },
		"GetUser":      func(ctx context.Context) error { return discard(c.GetUser(ctx, "alice")) },
		"ListUserPackages": func(ctx context.Context) error {
			return discard(c.ListUserPackages(ctx, "alice"))
		},
		"ListTokens": func(ctx context.Context) error { return discard(c.ListTokens(ctx)) },
		"CreateToken": func(ctx context.Context) error {
			return discard(c.CreateToken(ctx, CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}}))
		},
		"RevokeToken": func(ctx context.Context) error { return c.RevokeToken(ctx, "abcdefgh") },
		"Publish": func(ctx context.Context) error {
			return discard(c.Publish(ctx, PublishRequest{Name: "legion-x", Version: "1.0.0"}))
		},
		"Unpublish": func(ctx context.Context) error { return c.Unpublish(ctx, "legion-x") },
		"Audit": func(ctx context.Context) error {
			return discard(c.Audit(ctx, map[string]string{"legion-x": "^1.0.0"}))
		},
		"Login": func(ctx context.Context) error {
			return discard(c.Login(ctx, LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")}))
		},
		"Signup": func(ctx context.Context) error {
			return discard(c.Signup(ctx, SignupRequest{Username: "alice", Email: "a@b.c", Password: NewSecret("hunter2xx")}))
		},
	}
}

// constantServer answers every request with status and body.
func constantServer(t *testing.T, status int, body string, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reply(w, status, body)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(append([]Option{WithBaseURL(srv.URL + "/api/v1"), WithToken(testToken), WithMaxAttempts(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A 2xx that says "success": false is an error for every method, with the
// server's message.
func TestSuccessFalseIsAnErrorForEveryMethod(t *testing.T) {
	t.Parallel()
	c := constantServer(t, 200, `{"success":false,"error":"you do not own legion-http"}`)
	for name, call := range everyMethod(c) {
		err := call(context.Background())
		if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "you do not own legion-http") {
			t.Errorf("%s: err = %v, want ErrInvalidResponse with the server's message", name, err)
		}
	}
}

// Unpublish and RevokeToken validate their answers like the rest.
func TestAnswerlessCallsValidate(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`null`, `<html>catch-all</html>`, `[]`, `"ok"`, ``, `{"success":false}`} {
		c := constantServer(t, 200, body)
		if err := c.Unpublish(context.Background(), "legion-http"); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("Unpublish, answer %q: err = %v, want ErrInvalidResponse", body, err)
		}
		if err := c.RevokeToken(context.Background(), "abcdefgh"); !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("RevokeToken, answer %q: err = %v, want ErrInvalidResponse", body, err)
		}
	}
	for _, tc := range []struct {
		status int
		body   string
	}{{200, `{"success":true,"message":"Unpublished legion-http"}`}, {200, `{"message":"done"}`}, {204, ``}} {
		c := constantServer(t, tc.status, tc.body)
		if err := c.Unpublish(context.Background(), "legion-http"); err != nil {
			t.Errorf("Unpublish, %d %q: %v", tc.status, tc.body, err)
		}
		if err := c.RevokeToken(context.Background(), "abcdefgh"); err != nil {
			t.Errorf("RevokeToken, %d %q: %v", tc.status, tc.body, err)
		}
	}
}

// A publish answer naming another package or version is not a success.
func TestPublishAnswerNamesWhatWasSent(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"success":true,"name":"evil","version":"9.9.9"}`,
		`{"success":true,"name":"legion-http","version":"9.9.9"}`,
		`{"success":true,"version":{"name":"evil","version":"1.0.0"}}`,
		`{"success":true,"name":"legion-http","version":"1.0.0+other"}`,
	} {
		c := constantServer(t, 201, body)
		v, err := c.Publish(context.Background(), PublishRequest{Name: "legion-http", Version: "1.0.0"})
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("answer %s: Publish = %+v, %v, want ErrInvalidResponse", body, v, err)
		}
	}
	c := constantServer(t, 201, `{"success":true,"name":"legion-http","version":"1.0.0"}`)
	if _, err := c.Publish(context.Background(), PublishRequest{Name: "legion-http", Version: "1.0.0"}); err != nil {
		t.Errorf("matching answer: %v", err)
	}
}

// Login, Signup and CreateToken refuse a token that is not lgn_…, without repeating it.
func TestSessionTokenShape(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"hello", "lgn_", "Bearer lgn_abc", "lgn_a b"} {
		c := constantServer(t, 200, `{"success":true,"token":`+quote(tok)+`,"user":{"username":"alice"}}`)
		_, err := c.Login(context.Background(), LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("token %q: Login err = %v, want ErrInvalidResponse", tok, err)
		}
		_, err = c.Signup(context.Background(), SignupRequest{Username: "alice", Email: "a@b.c", Password: NewSecret("hunter2xx")})
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("token %q: Signup err = %v, want ErrInvalidResponse", tok, err)
		}
		c = constantServer(t, 201, `{"success":true,"id":"abcdefgh","token":`+quote(tok)+`}`)
		_, err = c.CreateToken(context.Background(), CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
		if !errors.Is(err, ErrInvalidResponse) {
			t.Errorf("token %q: CreateToken err = %v, want ErrInvalidResponse", tok, err)
		}
	}
}
