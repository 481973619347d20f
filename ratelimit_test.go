package legion

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const otherToken = "lgn_OTHERtoken0123456789abcdefABCD"

// After a 429 whose Retry-After is over the cap, the token's next calls (from
// this client or one derived with With) fail at once without a request;
// another token is not held back.
func TestRateLimitRemembered(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, srv := setup(t, withNow(now), WithRetryWait(time.Millisecond, 10*time.Second))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"30"}}, `{"success":true,"users":1}`))

	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: err = %v, want ErrRateLimited", err)
	}
	derived, err := c.With(WithUserAgent("bot/1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*Client{c, derived} {
		_, err := cl.Stats(context.Background())
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrRateLimited) || e.RetryAfter != 30*time.Second || e.Attempts != 0 {
			t.Fatalf("held call: err = %v (%+v), want ErrRateLimited, RetryAfter 30s, nothing sent", err, e)
		}
		if !strings.Contains(e.Error(), "not sent") {
			t.Errorf("error %q does not say the request was not sent", e)
		}
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("server saw %d requests, want 1: the held calls must send nothing", n)
	}
	other, err := c.With(WithToken(otherToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Stats(context.Background()); err != nil {
		t.Errorf("another token was held back: %v", err)
	}
	if n := srv.count("/stats"); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

// A remembered wait that fits under the cap is waited out, then the call
// is sent; one that would pass the context's deadline fails at once.
func TestRateLimitRememberedWait(t *testing.T) {
	t.Parallel()
	var ws waits
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, srv := setup(t, ws.option(), withNow(now), WithRetryWait(time.Millisecond, 5*time.Second), WithMaxAttempts(1))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"3"}}, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: err = %v, want ErrRateLimited", err)
	}
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, ws.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if n := srv.count("/stats"); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestRateLimitRememberedPastDeadline(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithRetryWait(time.Millisecond, 20*time.Second), WithMaxAttempts(1))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"15"}}, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: err = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.Stats(ctx)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter <= 13*time.Second {
		t.Fatalf("err = %v, want ErrRateLimited with the remaining wait", err)
	}
	if ctx.Err() != nil {
		t.Error("the call waited into its deadline")
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// A Retry-After too large to represent means "too long", not "absent".
func TestRetryAfterTooLarge(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithRetryWait(time.Millisecond, time.Second))
	srv.handle("/stats", failFirst(5, 429, http.Header{"Retry-After": {"99999999999"}}, `{"success":true,"users":1}`))
	_, err := c.Stats(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter < 100*365*24*time.Hour {
		t.Fatalf("err = %v, want a 429 with a RetryAfter of centuries", err)
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("sent %d requests, want 1: such a wait is over any cap", n)
	}
}
