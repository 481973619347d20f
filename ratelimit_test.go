package legion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const otherToken = "lgn_OTHERtoken0123456789abcdefABCD"

// movableClock is a registry clock a test moves by hand.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (m *movableClock) option() Option {
	return func(c *config) error {
		c.now = m.now
		return nil
	}
}

func (m *movableClock) now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

func (m *movableClock) add(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
}

// After a 429 whose Retry-After is over the cap, the token's next calls
// (from this client or one derived with With) fail at once without a
// request, as the 429's own call did; another token is not held back; and
// the hold ends after the cap, not after the registry's demand.
func TestRateLimitRemembered(t *testing.T) {
	t.Parallel()
	clock := &movableClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	c, srv := setup(t, clock.option(), WithRetryWait(time.Millisecond, 10*time.Second))
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
	clock.add(10*time.Second + time.Nanosecond) // the cap, not the 30s asked
	if _, err := c.Stats(context.Background()); err != nil {
		t.Errorf("still held after the cap: %v", err)
	}
	if n := srv.count("/stats"); n != 3 {
		t.Errorf("server saw %d requests, want 3", n)
	}
}

// A call the memory cannot hold (the wait is over a derived client's
// smaller cap) fails at once without sending, and says so.
func TestRateLimitRememberedRefused(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var as attempts
	c, srv := setup(t, withNow(now), WithRetryWait(time.Millisecond, 10*time.Second), WithMaxAttempts(1))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"5"}}, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: err = %v, want ErrRateLimited", err)
	}
	impatient, err := c.With(WithRetryWait(time.Millisecond, time.Second), as.option())
	if err != nil {
		t.Fatal(err)
	}
	_, err = impatient.Stats(context.Background())
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrRateLimited) || e.RetryAfter != 5*time.Second || e.Attempts != 0 || !strings.Contains(e.Error(), "not sent") {
		t.Fatalf("held call: err = %v, want ErrRateLimited, RetryAfter 5s, not sent", err)
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
	if len(as.got) != 1 || as.got[0].Number != 0 || !errors.Is(as.got[0].Err, ErrRateLimited) {
		t.Errorf("hook saw %+v, want one Attempt with Number 0 and the refusal", as.got)
	}
}

// One 429 with a day's Retry-After on /search holds other endpoints no
// longer than the cap, and a client derived for another registry not at
// all; the held call is reported to the hook and the logger.
func TestRateLimitMemoryCappedAndPerOrigin(t *testing.T) {
	t.Parallel()
	var as attempts
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	clock := &movableClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	c, srv := setup(t, clock.option(), as.option(), WithLogger(logger), WithRetryWait(time.Millisecond, 2*time.Second))
	srv.handle("/search", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "86400")
		reply(w, 429, `{"success":false,"error":"slow down"}`)
	})
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, `{"success":true,"users":1}`) })
	if _, err := c.Search(context.Background(), "x", nil); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("search: err = %v, want ErrRateLimited", err)
	}
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("stats right after: err = %v, want ErrRateLimited (not sent)", err)
	}
	var held []Attempt
	for _, a := range as.got {
		if a.Number == 0 {
			held = append(held, a)
		}
	}
	if len(held) != 1 || !errors.Is(held[0].Err, ErrRateLimited) || !strings.HasSuffix(held[0].URL, "/stats") {
		t.Errorf("held attempts = %+v, want one for /stats with the refusal", held)
	}

	other := newRecorder(t, false)
	elsewhere, err := c.With(WithBaseURL(other.srv.URL + "/api/v1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elsewhere.Stats(context.Background()); err != nil {
		t.Errorf("a client for another registry was held: %v", err)
	}

	clock.add(2*time.Second + time.Nanosecond)
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatalf("stats after the 2s cap: %v (a day's Retry-After must not hold for a day)", err)
	}
	if n := srv.count("/stats"); n != 1 {
		t.Errorf("server saw %d /stats requests, want 1", n)
	}
}

// A remembered wait within the cap is reported to the hook (Number 0, the
// wait in RetryIn) and the logger before it is waited out.
func TestRateLimitHeldWaitReported(t *testing.T) {
	t.Parallel()
	var ws waits
	var as attempts
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, srv := setup(t, ws.option(), as.option(), WithLogger(logger), withNow(now), WithRetryWait(time.Millisecond, 5*time.Second), WithMaxAttempts(1))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"3"}}, `{"success":true,"users":1}`))
	_, _ = c.Stats(context.Background())
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(as.got) != 3 || as.got[1].Number != 0 || as.got[1].RetryIn < 3*time.Second || as.got[1].StatusCode != 0 {
		t.Errorf("attempts = %+v, want the held wait between the two sent", as.got)
	}
	if !strings.Contains(logs.String(), "held by the rate limit") {
		t.Errorf("the logger did not hear of the held call:\n%s", logs.String())
	}
}

// Calls held by one remembered wait do not all leave at the same instant.
func TestRateLimitHeldWaitsJittered(t *testing.T) {
	t.Parallel()
	var ws waits
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, srv := setup(t, ws.option(), withNow(now), WithRetryWait(250*time.Millisecond, 5*time.Second), WithMaxAttempts(1))
	srv.handle("/stats", failFirst(1, 429, http.Header{"Retry-After": {"2"}}, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: err = %v", err)
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.Stats(context.Background())
		}()
	}
	wg.Wait()
	got := ws.get()
	slices.Sort(got)
	if len(got) != 50 || got[0] < 2*time.Second || got[49] > 2*time.Second+250*time.Millisecond {
		t.Fatalf("waits = %v, want 50 in [2s, 2.25s]", got)
	}
	if spread := got[49] - got[0]; spread < 50*time.Millisecond {
		t.Errorf("50 held calls leave within %v of each other, want them spread", spread)
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
	if got := ws.get(); len(got) != 1 || got[0] < 3*time.Second || got[0] > 3*time.Second+time.Millisecond {
		t.Errorf("waits = %v, want 3s plus at most 1ms of jitter", got)
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

// The memory forgets expired holds even for keys never looked up again:
// a service deriving a client per user token, each meeting one 429, does
// not grow it without bound.
func TestRateLimitMemoryBounded(t *testing.T) {
	t.Parallel()
	var m rateMemory
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	const ceiling = time.Second
	for i := range 10_000 {
		now = now.Add(100 * time.Millisecond) // ten holds live at a time
		m.hold(fmt.Sprintf("https://r:443 %d", i), now, time.Hour, ceiling)
	}
	if n := len(m.holds); n > 2*minSweep {
		t.Errorf("memory holds %d entries after 10,000 holds of which ~10 are live", n)
	}
	if _, d := m.heldFor("https://r:443 9999", now); d != ceiling {
		t.Errorf("the last hold runs %v, want %v", d, ceiling)
	}
}

// Two tokens at one registry do not share a hold: a 429 for one says
// nothing about the other (nor about the anonymous client).
func TestRateLimitMemoryPerToken(t *testing.T) {
	t.Parallel()
	clock := &movableClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	c, srv := setup(t, clock.option(), WithMaxAttempts(1), WithRetryWait(time.Millisecond, 2*time.Second))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+testToken {
			w.Header().Set("Retry-After", "60")
			reply(w, 429, `{"success":false,"error":"slow down"}`)
			return
		}
		reply(w, 200, `{"success":true,"users":1}`)
	})
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first token: err = %v, want ErrRateLimited", err)
	}
	other, err := c.With(WithToken("lgn_otherTOKEN0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	anon, err := c.With(WithoutToken())
	if err != nil {
		t.Fatal(err)
	}
	for name, cl := range map[string]*Client{"another token": other, "no token": anon} {
		if _, err := cl.Stats(context.Background()); err != nil {
			t.Errorf("%s was held by the first token's 429: %v", name, err)
		}
	}
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrRateLimited) {
		t.Errorf("first token again: err = %v, want ErrRateLimited (held)", err)
	}
	if n := srv.count("/stats"); n != 3 {
		t.Errorf("server saw %d requests, want 3 (the held one not sent)", n)
	}
}
