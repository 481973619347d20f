package legion

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// waits records every backoff the client decides and sleeps 1ms instead, so
// that a test of a 1-second Retry-After does not take a second.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) option() Option {
	return func(c *config) error {
		c.waitScale = func(d time.Duration) time.Duration {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.d = append(w.d, d)
			return time.Millisecond
		}
		return nil
	}
}

func (w *waits) get() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func withNow(now time.Time) Option {
	return func(c *config) error {
		c.now = func() time.Time { return now }
		return nil
	}
}

// firstN reports true for its first n calls, safely from many goroutines.
func firstN(n int) func() bool {
	var mu sync.Mutex
	seen := 0
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		seen++
		return seen <= n
	}
}

// failFirst answers status (with headers) to the first n requests, then ok.
func failFirst(n int, status int, header http.Header, ok string) http.HandlerFunc {
	fail := firstN(n)
	return func(w http.ResponseWriter, r *http.Request) {
		if fail() {
			for k, v := range header {
				w.Header()[k] = v
			}
			reply(w, status, `{"success":false,"error":"try later"}`)
			return
		}
		reply(w, 200, ok)
	}
}

func TestRetry429RetryAfterSeconds(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option(), WithRetryWait(time.Millisecond, 5*time.Second))
	srv.handle("/stats", failFirst(2, 429, http.Header{"Retry-After": {"1"}}, `{"success":true,"packages":1}`))
	s, err := c.Stats(context.Background())
	if err != nil || s.Packages != 1 {
		t.Fatalf("Stats = %+v, %v", s, err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, time.Second}, ws.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if n := srv.count("/stats"); n != 3 {
		t.Errorf("sent %d requests, want 3", n)
	}
}

func TestRetry429RetryAfterDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var ws waits
	c, srv := setup(t, ws.option(), withNow(now), WithRetryWait(time.Millisecond, 5*time.Second))
	date := now.Add(3 * time.Second).Format(http.TimeFormat)
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {date}}, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, ws.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// A POST is retried after a 429: the server refused it, so it did not run.
func TestRetry429OnPublish(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option())
	srv.handle("/packages/publish", failFirst(1, 429, nil, `{"success":true}`))
	if _, err := c.Publish(context.Background(), PublishRequest{Name: "p", Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	got := ws.get()
	if n := srv.count("/packages/publish"); n != 2 || len(got) != 1 || got[0] <= 0 || got[0] > time.Millisecond {
		t.Errorf("sent %d, waits %v; want 2 sends and one jittered wait in (0, 1ms]", n, got)
	}
}

func TestRetry429OverCap(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option(), WithRetryWait(time.Millisecond, 30*time.Second))
	srv.handle("/stats", failFirst(5, 429, http.Header{"Retry-After": {"3600"}}, `{"success":true,"users":1}`))
	_, err := c.Stats(context.Background())
	var apiErr *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour || apiErr.Attempts != 1 {
		t.Fatalf("err = %#v, want ErrRateLimited with RetryAfter 1h after 1 attempt", err)
	}
	if n := srv.count("/stats"); n != 1 || len(ws.get()) != 0 {
		t.Errorf("sent %d requests and waited %v; want 1 and none", n, ws.get())
	}
}

func TestRetry429OverDeadline(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithRetryWait(time.Millisecond, 30*time.Second))
	srv.handle("/stats", failFirst(5, 429, http.Header{"Retry-After": {"20"}}, `{"success":true,"users":1}`))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Stats(ctx)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.RetryAfter != 20*time.Second {
		t.Fatalf("err = %v, want 429 with RetryAfter 20s", err)
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}

// When retries run out the caller gets the last real status and message.
func TestRetry429Exhausted(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option(), WithMaxAttempts(3))
	srv.handle("/search", failFirst(10, 429, nil, `{"success":true}`))
	_, err := c.Search(context.Background(), "x", nil)
	var apiErr *Error
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &apiErr) || apiErr.Attempts != 3 || apiErr.Message != "try later" {
		t.Fatalf("err = %v, want ErrRateLimited after 3 attempts with the server's message", err)
	}
	if n := srv.count("/search"); n != 3 {
		t.Errorf("sent %d requests, want 3", n)
	}
	// Full jitter below a doubling ceiling: (0, 1ms] then (0, 2ms].
	for i, d := range ws.get() {
		if ceiling := time.Millisecond << i; d <= 0 || d > ceiling {
			t.Errorf("wait %d = %v, want in (0, %v]", i, d, ceiling)
		}
	}
}

func TestRetry503OnGet(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option())
	srv.handle("/packages/p/versions", failFirst(2, 503, nil, `{"success":true,"versions":["1.0.0"]}`))
	vs, err := c.ListVersions(context.Background(), "p")
	if err != nil || len(vs) != 1 {
		t.Fatalf("ListVersions = %v, %v", vs, err)
	}
	if n := srv.count("/packages/p/versions"); n != 3 {
		t.Errorf("sent %d requests, want 3", n)
	}
}

// A publish that failed with a 5xx may have happened: it is never re-sent.
func TestNoRetry500OnPublish(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.handle("/packages/publish", failFirst(10, status, nil, `{"success":true}`))
			_, err := c.Publish(context.Background(), PublishRequest{Name: "p", Version: "1.0.0"})
			var apiErr *Error
			if !errors.Is(err, ErrServer) || !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Attempts != 1 {
				t.Fatalf("err = %v, want %d after 1 attempt", err, status)
			}
			if n := srv.count("/packages/publish"); n != 1 {
				t.Errorf("publish sent %d times, want exactly 1", n)
			}
		})
	}
}

// The audit POST changes nothing, so it is retried like a GET.
func TestRetry503OnAudit(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/audit", failFirst(1, 503, nil, `{"success":true,"scanned":0,"clean":true}`))
	if _, err := c.Audit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.count("/audit"); n != 2 {
		t.Errorf("sent %d requests, want 2", n)
	}
}

// resetFirst closes the connection without answering the first n requests.
func resetFirst(n int, ok string) http.HandlerFunc {
	fail := firstN(n)
	return func(w http.ResponseWriter, r *http.Request) {
		if fail() {
			_, _ = io.Copy(io.Discard, r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST rather than FIN
				}
				conn.Close()
			}
			return
		}
		reply(w, 200, ok)
	}
}

// A POST whose connection is reset after it was sent is not sent again,
// and its error says the outcome is unknown.
func TestConnectionResetOnPostSentOnce(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/tokens", resetFirst(10, `{"success":true}`))
	_, err := c.CreateToken(context.Background(), CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("CreateToken on a reset connection: err = %v, want ErrOutcomeUnknown", err)
	}
	if n := srv.count("/tokens"); n != 1 {
		t.Errorf("POST sent %d times, want exactly 1", n)
	}
}

func TestConnectionResetOnGetRetried(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/stats", resetFirst(1, `{"success":true,"users":2}`))
	s, err := c.Stats(context.Background())
	if err != nil || s.Users != 2 {
		t.Fatalf("Stats = %+v, %v", s, err)
	}
	if n := srv.count("/stats"); n != 2 {
		t.Errorf("sent %d requests, want 2", n)
	}
}

// countingTransport fails the first dials it is told to, and records
// whether anyone closed its idle connections.
type countingTransport struct {
	mu        sync.Mutex
	failDials int
	calls     int
	closed    int
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.mu.Lock()
	ct.calls++
	fail := ct.calls <= ct.failDials
	ct.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (ct *countingTransport) CloseIdleConnections() {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.closed++
}

// A failure to connect means nothing reached the server: even a POST is retried.
func TestDialErrorOnPublishRetried(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{failDials: 2}
	c, srv := setup(t, WithHTTPClient(&http.Client{Transport: ct}))
	srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) { reply(w, 201, `{"success":true}`) })
	if _, err := c.Publish(context.Background(), PublishRequest{Name: "p", Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	if ct.calls != 3 || srv.count("/packages/publish") != 1 {
		t.Errorf("transport calls %d, server saw %d; want 3 and 1", ct.calls, srv.count("/packages/publish"))
	}
}

func TestContextCancelledMidBackoff(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{}
	c, srv := setup(t, WithHTTPClient(&http.Client{Transport: ct}), WithRetryWait(time.Millisecond, time.Minute))
	srv.handle("/stats", failFirst(10, 429, http.Header{"Retry-After": {"30"}}, `{"success":true,"users":1}`))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Stats(ctx)
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The wait was 30s; returning within a few seconds on a loaded machine
	// shows the cancellation ended it.
	if elapsed > 5*time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	if ct.closed != 0 {
		t.Errorf("the caller's transport had its idle connections closed %d times", ct.closed)
	}
}

// Retries running out must not close the idle connections of a client the
// caller shares with other code.
func TestRetriesKeepCallersIdleConnections(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{}
	c, srv := setup(t, WithHTTPClient(&http.Client{Transport: ct}), WithMaxAttempts(2))
	srv.handle("/stats", failFirst(10, 503, nil, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
	if ct.closed != 0 {
		t.Errorf("the caller's transport had its idle connections closed %d times", ct.closed)
	}
}

func TestJitterBounds(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithRetryWait(100*time.Millisecond, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min(time.Second, 100*time.Millisecond<<min(attempt-1, 20))
		for range 50 {
			if d := c.jitter(attempt); d <= 0 || d > ceiling {
				t.Fatalf("jitter(%d) = %v, want in (0, %v]", attempt, d, ceiling)
			}
		}
	}
}
