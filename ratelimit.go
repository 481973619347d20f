package legion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// rateMemory remembers, per registry and token (rateKey), the registry's
// last demand for no more requests (a 429's Retry-After). Every client
// derived from one NewClient shares it, so that one goroutine's 429 holds
// back the others instead of each collecting its own: a storm of 429s is
// what gets a client banned.
//
// It remembers a demand for no longer than the cap (WithRetryWait's max):
// a demand within the cap is waited out by the calls it holds, as a single
// 429's would be; a demand over it makes the calls of the next cap's worth
// of time fail at once without sending, as a single 429's call fails, and
// then lets calls through to learn the registry's state anew. So a garbage
// Retry-After cannot lock a client out for a day, or for centuries.
type rateMemory struct {
	mu    sync.Mutex
	holds map[string]rateHold // by rateKey
	// sweepAt is the size at which hold next drops expired holds: a
	// service that derives a client per user token would otherwise keep
	// one entry for every token that ever met a 429.
	sweepAt int
}

// minSweep is the smallest map hold sweeps.
const minSweep = 64

type rateHold struct {
	until  time.Time // end of the hold, at most the cap after the 429
	asked  time.Time // when the registry said it would take requests again
	refuse bool      // the demand was over the cap: fail at once, do not wait
}

func (m *rateMemory) hold(key string, now time.Time, demand, ceiling time.Duration) {
	h := rateHold{until: now.Add(min(demand, ceiling)), asked: now.Add(demand), refuse: demand > ceiling}
	if demand == maxRetryAfter {
		h.asked = now.Add(ceiling) // unrepresentable: say only what is known
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holds == nil {
		m.holds = map[string]rateHold{}
	}
	if len(m.holds) >= max(m.sweepAt, minSweep) {
		for k, v := range m.holds {
			if !v.until.After(now) {
				delete(m.holds, k)
			}
		}
		// Sweep again when the live holds have doubled: amortised O(1).
		m.sweepAt = 2 * len(m.holds)
	}
	old, ok := m.holds[key]
	if ok && old.until.After(now) {
		h.until = maxTime(h.until, old.until)
		h.asked = maxTime(h.asked, old.asked)
		h.refuse = h.refuse || old.refuse
	}
	m.holds[key] = h
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// heldFor is the hold on key at now, and how long it still runs; zero
// when there is none.
func (m *rateMemory) heldFor(key string, now time.Time) (rateHold, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.holds[key]
	if !ok {
		return rateHold{}, 0
	}
	if !h.until.After(now) {
		delete(m.holds, key) // expired: keep the map small
		return rateHold{}, 0
	}
	return h, h.until.Sub(now)
}

// rateKey is what the memory holds a wait for: one token at one registry.
// A 429 from one registry says nothing about another, nor about another
// token; the token is kept as a digest so that the memory, which printers
// like go-spew walk, holds no credential.
func rateKey(o origin, token Secret) string {
	sum := sha256.Sum256([]byte(token.Reveal()))
	return o.scheme + "://" + o.host + ":" + o.port + " " + hex.EncodeToString(sum[:8])
}

func (c *Client) limits() *rateMemory { return &c.cfg.shared.limits }

// awaitRateLimit runs before a call is sent. While a remembered demand
// for this token at this registry holds (see rateMemory), the call waits
// it out when the memory says so and the wait fits under this client's cap
// and the context's deadline, and otherwise fails at once with
// ErrRateLimited, sending nothing. Either way the attempt hook and the
// logger hear of it: a held call is not invisible. A wait ends with a
// little jitter, so that the calls it held do not all arrive in the same
// millisecond.
func (c *Client) awaitRateLimit(ctx context.Context, method, u string) error {
	now := c.cfg.now()
	h, d := c.limits().heldFor(c.limitKey, now)
	if d <= 0 {
		return nil
	}
	if h.refuse || d > c.cfg.maxWait || !c.cfg.fitsDeadline(ctx, d) {
		err := &Error{
			StatusCode: http.StatusTooManyRequests,
			Method:     method,
			URL:        u,
			Message:    fmt.Sprintf("not sent: the registry asked this token to wait until %s", h.asked.UTC().Format(time.RFC3339)),
			RetryAfter: max(h.asked.Sub(now), d),
		}
		c.reportHeld(ctx, method, u, 0, err)
		return err
	}
	if j := time.Duration(rand.Int64N(int64(c.cfg.minWait))) + 1; c.cfg.fitsDeadline(ctx, d+j) {
		d += j
	}
	c.reportHeld(ctx, method, u, d, nil)
	real := c.cfg.sleepFor(d, now.Add(d))
	if real <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(real)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("legion: %s %s: waiting for the rate limit: %w", method, u, ctx.Err())
	case <-t.C:
		return nil
	}
}
