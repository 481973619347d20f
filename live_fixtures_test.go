package legion

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// liveFixture is one answer recorded by the conformance suite under
// LEGION_LIVE_RECORD (conformance/record_test.go writes the same fields).
type liveFixture struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"` // below /api/v1, escaped, with the query
	Request string      `json:"request"`
	Status  int         `json:"status"`
	Header  http.Header `json:"header"`
	Body    string      `json:"body"`
}

// TestLiveFixtures replays every recorded answer under testdata/live
// (testdata/live/fake holds answers recorded from legiontest, not from the
// live registry) through the SDK method of its endpoint: a 2xx must decode
// and pass validation, anything else must be a *Error with its status.
func TestLiveFixtures(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(filepath.Join("testdata", "live"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) || len(files) == 0 {
		t.Skip("no recorded answers under testdata/live")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(filepath.ToSlash(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var f liveFixture
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatalf("not a fixture: %v", err)
			}
			replayFixture(t, f)
		})
	}
}

func replayFixture(t *testing.T, f liveFixture) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, vs := range f.Header {
			if k != "Content-Length" && k != "Date" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v1"), WithToken(testToken), WithMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	call, ok := fixtureCall(f)
	if !ok {
		t.Fatalf("no SDK method for %s %s", f.Method, f.Path)
	}
	got, err := call(context.Background(), c)
	if f.Status < 300 {
		if err != nil {
			t.Fatalf("%s %s %d: %v", f.Method, f.Path, f.Status, err)
		}
		if got == nil {
			t.Fatalf("%s %s %d: nil result", f.Method, f.Path, f.Status)
		}
		return
	}
	var le *Error
	if !errors.As(err, &le) || le.StatusCode != f.Status || le.Message == "" {
		t.Fatalf("%s %s %d: err = %v, want a *Error with the status and a message", f.Method, f.Path, f.Status, err)
	}
}

// fixtureCall returns the SDK call for a recorded request: the endpoint
// from the method and path, its arguments from the path and the recorded
// request body. The result is non-nil on success (true for methods that
// return only an error).
func fixtureCall(f liveFixture) (func(context.Context, *Client) (any, error), bool) {
	rawPath, rawQuery, _ := strings.Cut(f.Path, "?")
	query, _ := url.ParseQuery(rawQuery)
	var segs []string
	for _, s := range strings.Split(strings.Trim(rawPath, "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		segs = append(segs, u)
	}
	var body struct {
		Username     string            `json:"username"`
		Email        string            `json:"email"`
		Password     string            `json:"password"`
		Name         string            `json:"name"`
		Scopes       []Scope           `json:"scopes"`
		Dependencies map[string]string `json:"dependencies"`
	}
	var pub PublishRequest
	if f.Request != "" {
		_ = json.Unmarshal([]byte(f.Request), &body)
		_ = json.Unmarshal([]byte(f.Request), &pub)
	}
	done := func(err error) (any, error) { return err == nil, err }
	n := len(segs)
	switch route := f.Method + " " + segs[0]; {
	case route == "POST auth" && n == 2 && segs[1] == "signup":
		return func(ctx context.Context, c *Client) (any, error) {
			return c.Signup(ctx, SignupRequest{Username: body.Username, Email: body.Email, Password: NewSecret(body.Password)})
		}, true
	case route == "POST auth" && n == 2 && segs[1] == "login":
		return func(ctx context.Context, c *Client) (any, error) {
			return c.Login(ctx, LoginRequest{Username: body.Username, Password: NewSecret(body.Password)})
		}, true
	case route == "GET auth" && n == 2 && segs[1] == "me":
		return func(ctx context.Context, c *Client) (any, error) { return c.Me(ctx) }, true
	case route == "GET tokens" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) { return c.ListTokens(ctx) }, true
	case route == "POST tokens" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) {
			return c.CreateToken(ctx, CreateTokenRequest{Name: body.Name, Scopes: body.Scopes})
		}, true
	case route == "DELETE tokens" && n == 2:
		return func(ctx context.Context, c *Client) (any, error) { return done(c.RevokeToken(ctx, segs[1])) }, true
	case route == "GET packages" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) { return c.ListPackages(ctx, nil) }, true
	case route == "POST packages" && n == 2 && segs[1] == "publish":
		return func(ctx context.Context, c *Client) (any, error) { return c.Publish(ctx, pub) }, true
	case route == "POST packages" && n == 2 && segs[1] == "unpublish":
		return func(ctx context.Context, c *Client) (any, error) { return done(c.Unpublish(ctx, body.Name)) }, true
	case route == "GET packages" && n == 2:
		return func(ctx context.Context, c *Client) (any, error) { return c.GetPackage(ctx, segs[1]) }, true
	case route == "GET packages" && n == 3 && segs[2] == "versions":
		return func(ctx context.Context, c *Client) (any, error) { return c.ListVersions(ctx, segs[1]) }, true
	case route == "GET packages" && n == 4 && segs[3] == "download":
		return func(ctx context.Context, c *Client) (any, error) { return c.Download(ctx, segs[1], segs[2]) }, true
	case route == "GET search" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) { return c.Search(ctx, query.Get("q"), nil) }, true
	case route == "GET users" && n == 2:
		return func(ctx context.Context, c *Client) (any, error) { return c.GetUser(ctx, segs[1]) }, true
	case route == "GET users" && n == 3 && segs[2] == "packages":
		return func(ctx context.Context, c *Client) (any, error) { return c.ListUserPackages(ctx, segs[1]) }, true
	case route == "GET stats" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) { return c.Stats(ctx) }, true
	case route == "POST audit" && n == 1:
		return func(ctx context.Context, c *Client) (any, error) { return c.Audit(ctx, body.Dependencies) }, true
	}
	return nil, false
}
