package legion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Every method, given each answer a broken registry might send with a 200:
// the call fails with a *Error that carries the status, request id, method
// and URL, matches ErrInvalidResponse and no status sentinel, and returns no
// result.
func TestEmptySuccessIsInvalid(t *testing.T) {
	t.Parallel()
	calls := map[string]struct {
		path string
		call func(c *Client) (any, error)
		// extra are answers that decode but lack this result's identity.
		extra []string
	}{
		"Signup": {"/auth/signup", func(c *Client) (any, error) {
			return c.Signup(ctx0(), SignupRequest{Username: "alice", Email: "a@example.com", Password: NewSecret("hunter2xx")})
		}, []string{`{"success":true,"token":"lgn_x"}`, `{"success":true,"user":{"username":"alice"}}`}},
		"Me": {"/auth/me", func(c *Client) (any, error) { return c.Me(ctx0()) },
			[]string{`{"success":true,"user":{"email":"a@example.com"}}`}},
		"GetUser": {"/users/alice", func(c *Client) (any, error) { return c.GetUser(ctx0(), "alice") }, nil},
		"GetPackage": {"/packages/lib", func(c *Client) (any, error) { return c.GetPackage(ctx0(), "lib") },
			[]string{`{"success":true,"package":{"description":"x"}}`, `{"success":true,"name":"lib","versions":[{"name":"lib"}]}`}},
		"ListVersions": {"/packages/lib/versions", func(c *Client) (any, error) { return c.ListVersions(ctx0(), "lib") },
			[]string{`{"success":true,"versions":null}`, `{"success":true,"versions":[{"publishedAt":"2026-01-01T00:00:00Z"}]}`}},
		"Download": {"/packages/lib/1.0.0/download", func(c *Client) (any, error) { return c.Download(ctx0(), "lib", "1.0.0") },
			[]string{`{"success":true,"name":"lib"}`, `{"success":true,"version":""}`}},
		"ListPackages": {"/packages", func(c *Client) (any, error) { return c.ListPackages(ctx0(), nil) },
			[]string{`{"success":true,"total":3}`, `{"success":true,"packages":[{"name":""}]}`}},
		"ListUserPackages": {"/users/alice/packages", func(c *Client) (any, error) { return c.ListUserPackages(ctx0(), "alice") }, nil},
		"Search": {"/search", func(c *Client) (any, error) { return c.Search(ctx0(), "http", nil) },
			[]string{`{"success":true,"total":0}`}},
		"ListTokens": {"/tokens", func(c *Client) (any, error) { return c.ListTokens(ctx0()) },
			[]string{`{"success":true,"tokens":[{"name":"ci"}]}`}},
		"CreateToken": {"/tokens", func(c *Client) (any, error) {
			return c.CreateToken(ctx0(), CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
		},
			[]string{`{"success":true,"id":"abcd1234","name":"ci"}`, `{"success":true,"token":{"id":"abcd1234"}}`, `{"success":true,"token":"lgn_x"}`}},
		"Stats": {"/stats", func(c *Client) (any, error) { return c.Stats(ctx0()) }, nil},
		"Audit": {"/audit", func(c *Client) (any, error) { return c.Audit(ctx0(), map[string]string{"lib": "^1"}) }, nil},
	}
	common := []string{`null`, `{}`, `{"success":true}`, `{"success":true,"data":{}}`, `{"success":true,"data":[1,2]}`}
	for name, tc := range calls {
		for _, body := range append(common, tc.extra...) {
			t.Run(name+"/"+body, func(t *testing.T) {
				t.Parallel()
				c, srv := setup(t)
				srv.handle(tc.path, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Request-Id", "req-42")
					reply(w, 200, body)
				})
				got, err := tc.call(c)
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("err = %v (%T), want a *legion.Error", err, err)
				}
				if !errors.Is(err, ErrInvalidResponse) || e.StatusCode != 200 || e.RequestID != "req-42" || e.Method == "" || !strings.Contains(e.URL, tc.path) {
					t.Errorf("err = %v; want ErrInvalidResponse with status 200, request id, method and URL", err)
				}
				for _, s := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer} {
					if errors.Is(err, s) {
						t.Errorf("err matches %v", s)
					}
				}
				if v := got; v != nil && !isNilPointer(v) {
					t.Errorf("result %+v beside the error", v)
				}
			})
		}
	}
}

func ctx0() context.Context { return context.Background() }

func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *User:
		return p == nil
	case *Session:
		return p == nil
	case *Package:
		return p == nil
	case *PackageVersion:
		return p == nil
	case *PackageList:
		return p == nil
	case *SearchResult:
		return p == nil
	case *CreatedToken:
		return p == nil
	case *Stats:
		return p == nil
	case *AuditReport:
		return p == nil
	case []Package:
		return p == nil
	case []PackageVersion:
		return p == nil
	case []Token:
		return p == nil
	}
	return false
}

// An empty list is an answer; a missing one is not (above).
func TestEmptyListsAreValid(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"packages":[],"total":0}`)
	})
	srv.handle("/tokens", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `[]`) })
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"packages":0,"downloads":0,"users":0,"popular":[]}`)
	})
	if l, err := c.ListPackages(ctx0(), nil); err != nil || l == nil || len(l.Packages) != 0 {
		t.Errorf("ListPackages = %+v, %v", l, err)
	}
	if ts, err := c.ListTokens(ctx0()); err != nil || len(ts) != 0 {
		t.Errorf("ListTokens = %+v, %v", ts, err)
	}
	if s, err := c.Stats(ctx0()); err != nil || s.Packages != 0 {
		t.Errorf("Stats of an empty registry = %+v, %v", s, err)
	}
}

// "" where an optional version or timestamp goes means absent.
func TestEmptyOptionalFieldsAreAbsent(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/lib", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"name":"lib","latest":"","createdAt":"","versions":[]}`)
	})
	p, err := c.GetPackage(ctx0(), "lib")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "lib" || p.Latest != nil || !p.CreatedAt.IsZero() {
		t.Errorf("package = %+v, want lib with no latest and no createdAt", p)
	}
}

// A token never used has a zero LastUsedAt, whether the registry sends null,
// nothing or "".
func TestTokenNeverUsed(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/tokens", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"tokens":[
			{"id":"a1","lastUsedAt":null},{"id":"b2"},{"id":"c3","lastUsedAt":""},
			{"id":"d4","lastUsedAt":"2026-11-28T10:00:00.000Z"}]}`)
	})
	ts, err := c.ListTokens(ctx0())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts[:3] {
		if !tok.LastUsedAt.IsZero() {
			t.Errorf("token %s: LastUsedAt = %v, want zero", tok.ID, tok.LastUsedAt)
		}
	}
	if want := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC); !ts[3].LastUsedAt.Equal(want) {
		t.Errorf("LastUsedAt = %v, want %v", ts[3].LastUsedAt, want)
	}
}
