package legiontest_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// count429 counts the 429s the registry sent.
func count429(srv *legiontest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Status == 429 {
			n++
		}
	}
	return n
}

// storm runs n goroutines, released at once, each making one call; it
// returns how many failed.
func storm(n int, call func() error) (failed []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := call(); err != nil {
				mu.Lock()
				failed = append(failed, err)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return failed
}

// Once the registry has answered 429 with a Retry-After, the SDK's clients
// for that token send nothing until it has passed: the registry sees one 429,
// not one per goroutine.
func TestRateLimitMemoryOneGoroutineThenMany(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, legiontest.WithRateLimit(10, time.Minute, legiontest.ByToken))
	c := addUser(t, srv, "alice")
	for i := range 10 {
		if _, err := c.Stats(ctx()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// The wait (a minute) is over the default cap: the call fails at once.
	if _, err := c.Stats(ctx()); !errors.Is(err, legion.ErrRateLimited) {
		t.Fatalf("11th call: %v", err)
	}
	for _, err := range storm(49, func() error { _, err := c.Stats(ctx()); return err }) {
		var e *legion.Error
		if !errors.As(err, &e) || e.StatusCode != 429 || e.Attempts != 0 || e.RetryAfter <= 0 {
			t.Errorf("held call: %v (attempts %d), want ErrRateLimited with nothing sent", err, e.Attempts)
		}
	}
	if n := count429(srv); n != 1 {
		t.Errorf("the registry sent %d 429s, want 1", n)
	}
}

// 50 goroutines at once against a limit of 10 a minute: the 429s the
// registry sends are at most those of the requests already in flight when
// the first 429 arrived. Logged for the record with -v.
func TestRateLimitMemoryStorm(t *testing.T) {
	t.Parallel()
	t.Run("wait over the cap", func(t *testing.T) {
		t.Parallel()
		srv, _ := newServer(t, legiontest.WithRateLimit(10, time.Minute, legiontest.ByToken))
		c := addUser(t, srv, "alice")
		failed := storm(50, func() error { _, err := c.Stats(ctx()); return err })
		n := count429(srv)
		t.Logf("50 goroutines, cap under the wait: %d failed, the registry sent %d 429s", len(failed), n)
		if len(failed) != 40 || n < 1 || n > 40 {
			t.Errorf("%d failed with %d 429s sent; want 40 failures, 1 to 40 429s", len(failed), n)
		}
	})
	t.Run("wait under the cap", func(t *testing.T) {
		t.Parallel()
		srv, clock := newServer(t, legiontest.WithRateLimit(10, time.Minute, legiontest.ByToken))
		c := addUser(t, srv, "alice")
		c, err := c.With(legion.WithRetryWait(time.Millisecond, 2*time.Minute), legion.WithMaxAttempts(10))
		if err != nil {
			t.Fatal(err)
		}
		start, began := clock.Now(), time.Now()
		failed := storm(50, func() error { _, err := c.Stats(ctx()); return err })
		n := count429(srv)
		t.Logf("50 goroutines, waits under the cap: %d failed, %d 429s sent, the registry's clock moved %v in %v of real time",
			len(failed), n, clock.Now().Sub(start), time.Since(began).Round(time.Millisecond))
		if len(failed) != 0 {
			t.Errorf("%d calls failed, first: %v", len(failed), failed[0])
		}
		if moved := clock.Now().Sub(start); moved < 4*time.Minute {
			t.Errorf("the clock moved %v; 50 calls at 10 a minute need 4 windows to pass", moved)
		}
	})
}
