package legion

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListTokens(t *testing.T) {
	t.Parallel()
	listForms(t, "tokens", `[{"id":"ab12cd34","name":"CI","prefix":"lgn_x","scopes":["read"],"createdAt":"2026-01-01T00:00:00Z","last_used_at":"2026-01-02T00:00:00Z"}]`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/tokens", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testAuth(t, r)
			reply(w, 200, body)
		})
		got, err := c.ListTokens(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []Token{{ID: "ab12cd34", Name: "CI", Prefix: "lgn_x", Scopes: []Scope{ScopeRead},
			CreatedAt: mustTime("2026-01-01T00:00:00Z"), LastUsedAt: mustTime("2026-01-02T00:00:00Z")}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListTokens (-want +got):\n%s", diff)
		}
	})
}

func TestCreateToken(t *testing.T) {
	t.Parallel()
	forms(t, "token", `{"token":"lgn_fresh0123456789","id":"23456789","name":"CI token","scopes":["read","publish"],"createdAt":"2026-01-01T00:00:00Z"}`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/tokens", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			testAuth(t, r)
			testBody(t, r, `{"name":"CI token","scopes":["read","publish"]}`)
			reply(w, 201, body)
		})
		got, err := c.CreateToken(context.Background(), CreateTokenRequest{Name: "CI token", Scopes: []Scope{ScopeRead, ScopePublish}})
		if err != nil {
			t.Fatal(err)
		}
		want := &CreatedToken{
			Token: Token{ID: "23456789", Name: "CI token", Scopes: []Scope{ScopeRead, ScopePublish}, CreatedAt: mustTime("2026-01-01T00:00:00Z")},
			Value: NewSecret("lgn_fresh0123456789"),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateToken (-want +got):\n%s", diff)
		}
	})
}

func TestRevokeToken(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/tokens/ab12cd34", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		testAuth(t, r)
		reply(w, 200, `{"success":true}`)
	})
	if err := c.RevokeToken(context.Background(), "ab12cd34"); err != nil {
		t.Fatal(err)
	}
}

// 204 with no body is a success for a call that returns nothing.
func TestRevokeTokenNoContent(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/tokens/ab12cd34", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	if err := c.RevokeToken(context.Background(), "ab12cd34"); err != nil {
		t.Fatal(err)
	}
}
