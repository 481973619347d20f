package legion

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestWithTimeoutRejectsNonPositive(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		_, err := NewClient(WithTimeout(d))
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Arg != "timeout" {
			t.Errorf("WithTimeout(%v): err = %v, want an *ArgumentError for timeout", d, err)
		}
	}
}

// stall blocks until the client goes away (or the test ends), after
// optionally sending headers and the first bytes of a body.
func stall(partial string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hang up.
		_, _ = io.Copy(io.Discard, r.Body)
		if partial != "" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, partial)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
}

// A registry that accepts and never answers, or stalls in the middle of a
// body, fails each attempt after the timeout; a GET is tried again, a POST
// is not (the server may have acted on it).
func TestTimeoutStalledServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		partial string
	}{{"before headers", ""}, {"mid body", `{"success":true,"users":`}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var as attempts // counted by the client: a loaded machine may time out before the server sees a request
			c, srv := setup(t, WithTimeout(100*time.Millisecond), WithMaxAttempts(3), as.option())
			srv.handle("/stats", stall(tc.partial))
			srv.handle("/tokens", stall(tc.partial))

			_, err := c.Stats(context.Background())
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Stats: err = %v, want context.DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), "100ms") {
				t.Errorf("error %q does not say how long the attempt was given", err)
			}
			if n := len(as.got); n != 3 || srv.count("/stats") > 3 {
				t.Errorf("GET attempted %d times (server saw %d), want 3: every attempt timed out", n, srv.count("/stats"))
			}
			as.got = nil

			_, err = c.CreateToken(context.Background(), CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrOutcomeUnknown) {
				t.Fatalf("CreateToken: err = %v, want context.DeadlineExceeded and ErrOutcomeUnknown", err)
			}
			if n := len(as.got); n != 1 || srv.count("/tokens") > 1 {
				t.Errorf("POST attempted %d times (server saw %d), want exactly 1", n, srv.count("/tokens"))
			}
		})
	}
}

// A timeout that leaves time for the answer changes nothing.
func TestTimeoutAllowsSlowAnswer(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithTimeout(5*time.Second))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		reply(w, 200, `{"success":true,"users":3}`)
	})
	if s, err := c.Stats(context.Background()); err != nil || s.Users != 3 {
		t.Fatalf("Stats = %+v, %v", s, err)
	}
}

// When the next backoff after a transport error would pass the context's
// deadline, the call returns at once with that error, not with a bare
// "deadline exceeded" after sleeping to the deadline.
func TestTransportRetryRespectsDeadline(t *testing.T) {
	t.Parallel()
	// Waits are drawn in (0, 1h]: all but certain to pass a 2s deadline.
	c, srv := setup(t, WithRetryWait(time.Hour, time.Hour))
	srv.handle("/stats", resetFirst(10, `{"success":true,"users":1}`))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Stats(ctx)
	if err == nil {
		t.Fatal("Stats succeeded on a reset connection")
	}
	if ctx.Err() != nil {
		t.Errorf("returned only after the deadline: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v: the cause was lost for the deadline", err)
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("sent %d requests, want 1", n)
	}
}
