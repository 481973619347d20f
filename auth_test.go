package legion

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSignup(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithoutToken())
	srv.handle("/auth/signup", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testHeader(t, r, "Authorization", "")
		testBody(t, r, `{"username":"alice","email":"alice@example.com","password":"hunter2xx"}`)
		reply(w, 201, `{"success":true,"token":"lgn_new0123456789","user":{"username":"alice","email":"alice@example.com","created_at":"2026-01-01 00:00:00"}}`)
	})
	got, err := c.Signup(context.Background(), SignupRequest{Username: "alice", Email: "alice@example.com", Password: NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	want := &Session{Token: NewSecret("lgn_new0123456789"), User: User{Username: "alice", Email: "alice@example.com", CreatedAt: mustTime("2026-01-01T00:00:00Z")}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Signup (-want +got):\n%s", diff)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithoutToken())
	srv.handle("/auth/login", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"username":"alice","password":"hunter2xx"}`)
		reply(w, 200, `{"success":true,"token":"lgn_login0123","user":{"username":"alice"}}`)
	})
	got, err := c.Login(context.Background(), LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Token.Reveal() != "lgn_login0123" || got.User.Username != "alice" {
		t.Errorf("Login = %+v", got)
	}
}

// A 2xx answer without a token is not a session.
func TestLoginWithoutToken(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithoutToken())
	srv.handle("/auth/login", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true}`)
	})
	_, err := c.Login(context.Background(), LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
	if !errors.Is(err, ErrInvalidResponse) {
		t.Errorf("err = %v, want ErrInvalidResponse", err)
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	forms(t, "user", `{"username":"alice","email":"alice@example.com","createdAt":"2026-01-01T00:00:00Z"}`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/auth/me", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testAuth(t, r)
			reply(w, 200, body)
		})
		got, err := c.Me(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := &User{Username: "alice", Email: "alice@example.com", CreatedAt: mustTime("2026-01-01T00:00:00Z")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Me (-want +got):\n%s", diff)
		}
	})
}

// Endpoints that need a token fail before sending when there is none.
func TestNoToken(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, WithoutToken()) // the server fails the test on any request
	ctx := context.Background()
	calls := map[string]func() error{
		"Me":         func() error { _, err := c.Me(ctx); return err },
		"Publish":    func() error { _, err := c.Publish(ctx, PublishRequest{Name: "a", Version: "1.0.0"}); return err },
		"Unpublish":  func() error { return c.Unpublish(ctx, "a") },
		"ListTokens": func() error { _, err := c.ListTokens(ctx); return err },
		"CreateToken": func() error {
			_, err := c.CreateToken(ctx, CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
			return err
		},
		"RevokeToken": func() error { return c.RevokeToken(ctx, "abcd1234") },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, ErrNoToken) || !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: err = %v, want ErrNoToken matching ErrUnauthorized", name, err)
		}
	}
}
