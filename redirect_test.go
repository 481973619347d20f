package legion

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorder is a server that answers every request with 200 and a stats
// body, and records what reached it: a redirect target that must see
// nothing (or no token).
type recorder struct {
	mu   sync.Mutex
	reqs []string // "METHOD path auth"
	srv  *httptest.Server
}

func newRecorder(t *testing.T, tls bool) *recorder {
	t.Helper()
	rec := &recorder{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		rec.mu.Unlock()
		reply(w, 200, `{"success":true,"packages":1,"name":"legion-x","version":"1.0.0"}`)
	})
	if tls {
		rec.srv = httptest.NewTLSServer(h)
	} else {
		rec.srv = httptest.NewServer(h)
	}
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) got() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.reqs...)
}

// redirectTo answers every request with status and a Location of target.
func redirectTo(status int, target func(r *http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target(r))
		w.Header().Set("X-Request-Id", "req-redirect")
		w.WriteHeader(status)
	}
}

var redirectStatuses = []int{301, 302, 303, 307, 308}

// A redirect to another origin (another port, or plain HTTP from HTTPS)
// is not followed: the target sees nothing, and the caller gets an *Error
// matching ErrRedirect that names the status and the Location.
func TestRedirectToAnotherOriginNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range redirectStatuses {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			other := newRecorder(t, false) // same host (127.0.0.1), another port
			c, srv := setup(t)
			srv.handle("/stats", redirectTo(status, func(*http.Request) string { return other.srv.URL + "/api/v1/stats" }))
			_, err := c.Stats(context.Background())
			checkRedirectErr(t, err, status, other.srv.URL)
			if got := other.got(); len(got) != 0 {
				t.Errorf("the other origin received %q", got)
			}
		})
	}
}

func TestRedirectHTTPSToHTTPNotFollowed(t *testing.T) {
	t.Parallel()
	plain := newRecorder(t, false)
	var tlsSrv *httptest.Server
	tlsSrv = httptest.NewTLSServer(redirectTo(302, func(r *http.Request) string {
		// the same host and port, downgraded to http
		return "http://" + tlsSrv.Listener.Addr().String() + r.URL.Path
	}))
	t.Cleanup(tlsSrv.Close)
	c, err := NewClient(WithBaseURL(tlsSrv.URL+"/api/v1"), WithToken(testToken), WithHTTPClient(tlsSrv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Stats(context.Background())
	checkRedirectErr(t, err, 302, "http://"+tlsSrv.Listener.Addr().String())

	tlsSrv2 := httptest.NewTLSServer(redirectTo(307, func(r *http.Request) string { return plain.srv.URL + r.URL.Path }))
	t.Cleanup(tlsSrv2.Close)
	c2, err := NewClient(WithBaseURL(tlsSrv2.URL+"/api/v1"), WithToken(testToken), WithHTTPClient(tlsSrv2.Client()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c2.Stats(context.Background())
	checkRedirectErr(t, err, 307, plain.srv.URL)
	if got := plain.got(); len(got) != 0 {
		t.Errorf("the plain-HTTP server received %q", got)
	}
}

// A redirected publish is never re-sent as a GET (301/302/303) nor with its
// body (307/308), even within the origin: it fails with ErrRedirect instead
// of reporting a publish that did not happen.
func TestRedirectOnPostNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range redirectStatuses {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) {
				if r.Method != "POST" {
					// a catch-all page that would look like success
					reply(w, 200, `{"success":true,"name":"legion-x","version":"1.0.0"}`)
					return
				}
				w.Header().Set("Location", "/api/v1/packages/publish")
				w.WriteHeader(status)
			})
			_, err := c.Publish(context.Background(), PublishRequest{Name: "legion-x", Version: "1.0.0"})
			checkRedirectErr(t, err, status, "/api/v1/packages/publish")
			if n := srv.count("/packages/publish"); n != 1 {
				t.Errorf("publish endpoint hit %d times, want 1", n)
			}
		})
	}
}

// A GET redirected within the base URL's origin is followed, with the token.
func TestRedirectWithinOriginFollowed(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/stats", redirectTo(302, func(*http.Request) string { return "/api/v1/stats2" }))
	srv.handle("/stats2", func(w http.ResponseWriter, r *http.Request) {
		testAuth(t, r)
		reply(w, 200, `{"success":true,"packages":7}`)
	})
	s, err := c.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Packages != 7 {
		t.Errorf("Packages = %d, want 7", s.Packages)
	}
}

// A redirect loop within the origin stops after a few hops.
func TestRedirectLoopStops(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/stats", redirectTo(302, func(*http.Request) string { return "/api/v1/stats" }))
	_, err := c.Stats(context.Background())
	checkRedirectErr(t, err, 302, "/api/v1/stats")
	if n := srv.count("/stats"); n != maxRedirects+1 {
		t.Errorf("hops = %d, want %d", n, maxRedirects+1)
	}
}

// A caller's http.Client that follows everything cannot widen the policy.
func TestRedirectPolicyOverridesCallersClient(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, false)
	follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c, srv := setup(t, WithHTTPClient(follow))
	srv.handle("/stats", redirectTo(308, func(*http.Request) string { return other.srv.URL + "/x" }))
	_, err := c.Stats(context.Background())
	checkRedirectErr(t, err, 308, other.srv.URL)
	if got := other.got(); len(got) != 0 {
		t.Errorf("the other origin received %q", got)
	}
}

// A token echoed into a Location does not reach the error text.
func TestRedirectLocationRedacted(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/stats", redirectTo(302, func(r *http.Request) string {
		return "https://evil.example/steal?t=" + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + "&u=\u202e"
	}))
	_, err := c.Stats(context.Background())
	checkRedirectErr(t, err, 302, "https://evil.example/steal")
	if strings.Contains(err.Error(), "TESTtoken") || strings.Contains(err.Error(), "\u202e") {
		t.Errorf("error leaks the token or a control character: %q", err)
	}
}

func checkRedirectErr(t *testing.T, err error, status int, location string) {
	t.Helper()
	if !errors.Is(err, ErrRedirect) {
		t.Fatalf("err = %v, want ErrRedirect", err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T, want *Error", err)
	}
	if e.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", e.StatusCode, status)
	}
	if !strings.Contains(err.Error(), location) {
		t.Errorf("error %q does not name the location %q", err, location)
	}
	if strings.Contains(err.Error(), "TESTtoken") {
		t.Errorf("error leaks the token: %q", err)
	}
}
