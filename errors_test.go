package legion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStatusTable(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer}
	tests := []struct {
		status  int
		body    string
		want    error // nil: no sentinel matches
		message string
	}{
		{400, `{"success":false,"error":"name is required"}`, ErrBadRequest, "name is required"},
		{401, `{"success":false,"error":"token missing or invalid"}`, ErrUnauthorized, "token missing or invalid"},
		{403, `{"success":false,"message":"you don't own this resource"}`, ErrForbidden, "you don't own this resource"},
		{404, `{"success":false,"error":{"message":"package not found"}}`, ErrNotFound, "package not found"},
		{409, `{"success":false,"error":"version already published"}`, ErrConflict, "version already published"},
		{429, `{"success":false,"error":"slow down"}`, ErrRateLimited, "slow down"},
		{500, `{"success":false,"error":"report to the team"}`, ErrServer, "report to the team"},
		{500, "<html><body><h1>Internal Server Error</h1>\n</body></html>", ErrServer, "<html><body><h1>Internal Server Error</h1> </body></html>"},
		{502, "Bad gateway", ErrServer, "Bad gateway"},
		{503, `{"success":false,"error":"maintenance"}`, ErrServer, "maintenance"},
		{405, `{"success":false,"error":"method not allowed"}`, nil, "method not allowed"},
		{413, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, WithMaxAttempts(1))
			srv.handle("/packages/p", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-123")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := c.GetPackage(context.Background(), "p")
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
				}
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(%v, *Error) = false", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Message != tt.message || apiErr.RequestID != "req-123" ||
				apiErr.Method != "GET" || !strings.HasSuffix(apiErr.URL, "/api/v1/packages/p") || apiErr.Attempts != 1 {
				t.Errorf("Error = %+v", apiErr)
			}
		})
	}
}

func TestErrorExcerptIsShort(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithMaxAttempts(1))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		_, _ = w.Write([]byte(strings.Repeat("<p>proxy error</p>", 1000)))
	})
	_, err := c.Stats(context.Background())
	var apiErr *Error
	if !errors.As(err, &apiErr) || len(apiErr.Message) > 200 || !strings.HasPrefix(apiErr.Message, "<p>proxy error</p>") {
		t.Errorf("err = %v", err)
	}
}

// A 2xx body that cannot be decoded is an error of its own, never a zero value.
func TestInvalidResponse(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"html":          "<html>hello</html>",
		"empty":         "",
		"wrong type":    `{"success":true,"package":{"name":42}}`,
		"bad version":   `{"success":true,"package":{"name":"p","latest":"not.a.version"}}`,
		"bad timestamp": `{"success":true,"package":{"name":"p","createdAt":"yesterday"}}`,
		"success false": `{"success":false,"error":"odd"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.handle("/packages/p", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, body) })
			p, err := c.GetPackage(context.Background(), "p")
			if !errors.Is(err, ErrInvalidResponse) || p != nil {
				t.Errorf("GetPackage = %v, %v; want nil, ErrInvalidResponse", p, err)
			}
		})
	}
}

func TestResponseSizeCap(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/packages/p", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"package":{"name":"p","readme":"`+strings.Repeat("x", maxResponseBytes)+`"}}`)
	})
	if _, err := c.GetPackage(context.Background(), "p"); !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("err = %v, want a size error", err)
	}
}

// Arguments that cannot be valid fail before any request is sent (the
// server fails the test on any request), with an error naming the argument.
func TestArgumentValidation(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	ctx := context.Background()
	tests := []struct {
		arg  string
		call func() error
	}{
		{"name", func() error { _, err := c.GetPackage(ctx, ""); return err }},
		{"name", func() error { _, err := c.ListVersions(ctx, "has space"); return err }},
		{"version", func() error { _, err := c.Download(ctx, "p", "1.0"); return err }},
		{"version", func() error { _, err := c.Download(ctx, "p", "v1.0.0"); return err }},
		{"version", func() error { _, err := c.Publish(ctx, PublishRequest{Name: "p", Version: "latest"}); return err }},
		{"dependencies", func() error {
			_, err := c.Publish(ctx, PublishRequest{Name: "p", Version: "1.0.0", Dependencies: map[string]string{"x": ">=>1"}})
			return err
		}},
		{"dependencies", func() error { _, err := c.Audit(ctx, map[string]string{"x": "^^1"}); return err }},
		{"constraint", func() error { _, err := c.Resolve(ctx, "p", "not a range"); return err }},
		{"limit", func() error { _, err := c.ListPackages(ctx, &ListOptions{Limit: 500}); return err }},
		{"limit", func() error { _, err := c.Search(ctx, "x", &SearchOptions{Limit: -1}); return err }},
		{"page", func() error { _, err := c.ListPackages(ctx, &ListOptions{Page: -1}); return err }},
		{"sort", func() error { _, err := c.ListPackages(ctx, &ListOptions{Sort: "popular"}); return err }},
		{"query", func() error { _, err := c.Search(ctx, "  ", nil); return err }},
		{"username", func() error { _, err := c.GetUser(ctx, ""); return err }},
		{"email", func() error {
			_, err := c.Signup(ctx, SignupRequest{Username: "a", Email: "nope", Password: NewSecret("x")})
			return err
		}},
		{"password", func() error { _, err := c.Login(ctx, LoginRequest{Username: "a"}); return err }},
		{"scopes", func() error {
			_, err := c.CreateToken(ctx, CreateTokenRequest{Name: "ci", Scopes: []Scope{"admin"}})
			return err
		}},
		{"id", func() error { return c.RevokeToken(ctx, testToken) }},
		//lint:ignore SA1012 a nil context on purpose: the SDK must reject it before sending
		{"context", func() error { _, err := c.Stats(nil); return err }},
	}
	for _, tt := range tests {
		err := tt.call()
		var argErr *ArgumentError
		if !errors.As(err, &argErr) || argErr.Arg != tt.arg || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("err = %v, want an ArgumentError for %q", err, tt.arg)
		}
	}
}

func TestNewClientValidation(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]Option{
		"relative URL":     WithBaseURL("/api/v1"),
		"ftp URL":          WithBaseURL("ftp://example.com"),
		"credentials":      WithBaseURL("https://user:pw@example.com/api/v1"),
		"not a URL":        WithBaseURL("http://[::1"),
		"token prefix":     WithToken("ghp_abc"),
		"empty token":      WithToken(""),
		"token newline":    WithToken("lgn_abc\nX-Evil: 1"),
		"nil client":       WithHTTPClient(nil),
		"attempts":         WithMaxAttempts(0),
		"waits":            WithRetryWait(time.Second, time.Millisecond),
		"user agent":       WithUserAgent("a\r\nb"),
		"empty user agent": WithUserAgent(""),
	} {
		if c, err := NewClient(opt); err == nil || c != nil || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: NewClient = %v, %v; want an argument error", name, c, err)
		}
	}
	c, err := NewClient()
	if err != nil || c.BaseURL() != DefaultBaseURL || c.HasToken() {
		t.Errorf("NewClient() = %v, %v", c, err)
	}
}
