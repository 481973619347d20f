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

// rateMemory remembers, per registry and token (rateKey), until when the registry asked for no
// more requests (a 429's Retry-After). Every client derived from one
// NewClient shares it, so that one goroutine's 429 holds back the others
// instead of each collecting its own: a storm of 429s is what gets a client
// banned.
type rateMemory struct {
	mu    sync.Mutex
	until map[string]time.Time // by rateKey
}

func (m *rateMemory) hold(token string, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.until == nil {
		m.until = map[string]time.Time{}
	}
	if until.After(m.until[token]) {
		m.until[token] = until
	}
}

// heldFor is how long a call with token must still wait at now.
func (m *rateMemory) heldFor(token string, now time.Time) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.until[token]
	if !ok {
		return 0
	}
	if !until.After(now) {
		delete(m.until, token) // expired: keep the map small
		return 0
	}
	return until.Sub(now)
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

// awaitRateLimit runs before a call is sent. While the registry's last
// Retry-After for this token at this registry runs (capped, see decide),
// the call waits for it when the wait fits under the retry cap and the
// context's deadline, and otherwise fails at once with ErrRateLimited,
// sending nothing. Either way the attempt hook and the logger hear of it:
// a held call is not invisible. A wait ends with a little jitter, so that
// the calls it held do not all arrive in the same millisecond.
func (c *Client) awaitRateLimit(ctx context.Context, method, u string) error {
	now := c.cfg.now()
	d := c.limits().heldFor(c.limitKey, now)
	if d <= 0 {
		return nil
	}
	if d > c.cfg.maxWait || !c.cfg.fitsDeadline(ctx, d) {
		err := &Error{
			StatusCode: http.StatusTooManyRequests,
			Method:     method,
			URL:        u,
			Message:    fmt.Sprintf("not sent: the registry asked this token to wait until %s", now.Add(d).UTC().Format(time.RFC3339)),
			RetryAfter: d,
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
