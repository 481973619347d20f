package legion

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-cmp/cmp"
)

const testToken = "lgn_TESTtoken0123456789abcdefABCDEF"

// testServer routes on the escaped path below /api/v1, exactly as sent, so
// that tests see what the SDK put on the wire (no cleaning, no redirects).
type testServer struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]http.HandlerFunc
	hits   map[string]int
}

// setup starts a server and a client for it, with retry waits short enough
// that no test sleeps for long.
func setup(t *testing.T, opts ...Option) (*Client, *testServer) {
	t.Helper()
	ts := &testServer{t: t, routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	base := []Option{
		WithBaseURL(srv.URL + "/api/v1"),
		WithToken(testToken),
		WithRetryWait(time.Millisecond, 20*time.Millisecond),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, ts
}

func (s *testServer) handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = h
}

func (s *testServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v1")
	s.mu.Lock()
	h, ok := s.routes[path]
	s.hits[path]++
	s.mu.Unlock()
	if !ok {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.EscapedPath())
		http.Error(w, `{"success":false,"error":"no route"}`, http.StatusNotFound)
		return
	}
	h(w, r)
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, key, want string) {
	t.Helper()
	if got := r.Header.Get(key); got != want {
		t.Errorf("header %s = %q, want %q", key, got, want)
	}
}

func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	if diff := cmp.Diff(want, r.URL.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

// testBody compares the JSON body with want, after both go through
// encoding/json, so field order and spacing do not matter.
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	testHeader(t, r, "Content-Type", "application/json")
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	var got, wantV any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", b, err)
	}
	if err := json.Unmarshal([]byte(want), &wantV); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if diff := cmp.Diff(wantV, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// testAuth checks the headers every request carries.
func testAuth(t *testing.T, r *http.Request) {
	t.Helper()
	testHeader(t, r, "Authorization", "Bearer "+testToken)
	testHeader(t, r, "Accept", "application/json")
	if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "legion-go/") && !strings.Contains(ua, " legion-go/") {
		t.Errorf("User-Agent = %q, want legion-go/…", ua)
	}
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// forms runs f once for each envelope form the reference allows: the
// payload flat beside "success", and wrapped under key.
func forms(t *testing.T, key, payload string, f func(t *testing.T, body string)) {
	t.Helper()
	inner := strings.TrimSpace(payload)
	flat := `{"success":true,` + strings.TrimPrefix(inner, "{")
	wrapped := `{"success":true,"` + key + `":` + inner + `}`
	t.Run("flat", func(t *testing.T) { f(t, flat) })
	t.Run("wrapped", func(t *testing.T) { f(t, wrapped) })
}

var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b *semver.Version) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Equal(b) && a.Original() == b.Original()
	}),
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustVersion(s string) *semver.Version { return semver.MustParse(s) }

// listForms runs f for a list wrapped under key and for a bare array.
func listForms(t *testing.T, key, array string, f func(t *testing.T, body string)) {
	t.Helper()
	t.Run("wrapped", func(t *testing.T) { f(t, `{"success":true,"`+key+`":`+array+`}`) })
	t.Run("bare", func(t *testing.T) { f(t, array) })
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
