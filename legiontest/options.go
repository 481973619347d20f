package legiontest

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Clock tells the registry the time. It drives every timestamp the registry
// records (createdAt, publishedAt, lastUsedAt…) and the rate limiter.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that moves only when told to. It is safe for
// concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters map[*clockWaiter]struct{}
}

// clockWaiter is a fault's latency waiting for the clock to reach when.
type clockWaiter struct {
	when time.Time
	ch   chan struct{}
}

// NewManualClock returns a clock that reads start until it is advanced or set.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.wakeLocked()
}

// at returns a channel closed once the clock reads when or later, and a
// function that stops the wait.
func (c *ManualClock) at(when time.Time) (<-chan struct{}, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &clockWaiter{when: when, ch: make(chan struct{})}
	if !c.now.Before(when) {
		close(w.ch)
		return w.ch, func() {}
	}
	if c.waiters == nil {
		c.waiters = map[*clockWaiter]struct{}{}
	}
	c.waiters[w] = struct{}{}
	return w.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.waiters, w)
	}
}

// wakeLocked releases the waiters whose time has come (c.mu held).
func (c *ManualClock) wakeLocked() {
	for w := range c.waiters {
		if !c.now.Before(w.when) {
			close(w.ch)
			delete(c.waiters, w)
		}
	}
}

// advanceTo moves the clock forward to t; it never moves it back, so that
// clients waiting concurrently on the clock each wait for their own end.
func (c *ManualClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	c.wakeLocked()
}

// Set sets the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	c.wakeLocked()
}

// LimitKey says what the rate limiter counts requests by.
type LimitKey int

const (
	// ByToken counts requests per valid bearer token; a request without
	// one (no token, or one that is not valid) is counted by its remote
	// address.
	ByToken LimitKey = iota
	// ByAddress counts requests per remote address (the host part of
	// http.Request.RemoteAddr), token or not.
	ByAddress
)

func (k LimitKey) String() string {
	switch k {
	case ByToken:
		return "ByToken"
	case ByAddress:
		return "ByAddress"
	}
	return fmt.Sprintf("LimitKey(%d)", int(k))
}

// DefaultMaxBodyBytes is the default cap on a request body.
const DefaultMaxBodyBytes = 1 << 20

// DefaultBodyTimeout is the default bound on reading a request body.
const DefaultBodyTimeout = 30 * time.Second

// config is what the options set.
type config struct {
	clock       Clock
	tokenSeed   uint64
	seeded      bool
	seeds       []Seed
	limitN      int
	limitWindow time.Duration
	limitBy     LimitKey
	maxBody     int64
	bodyTimeout time.Duration
	pwIter      int
}

// Option configures a Registry (and the Server around it).
type Option func(*config) error

// WithClock makes c the registry's clock. Without it the registry uses the
// system clock.
func WithClock(c Clock) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("legiontest: WithClock: nil clock")
		}
		cfg.clock = c
		return nil
	}
}

// WithTokenSeed makes token (and password salt) generation deterministic:
// the same seed and the same sequence of operations give the same tokens.
// It uses math/rand/v2's ChaCha8; without it tokens come from crypto/rand.
func WithTokenSeed(seed uint64) Option {
	return func(cfg *config) error {
		cfg.tokenSeed, cfg.seeded = seed, true
		return nil
	}
}

// WithSeed loads s into the registry when it is built; see [Registry.Seed].
// Invalid seed data makes NewRegistry fail (and NewServer fail the test).
// The option may be given more than once; seeds are applied in order.
func WithSeed(s Seed) Option {
	return func(cfg *config) error {
		cfg.seeds = append(cfg.seeds, s)
		return nil
	}
}

// WithPasswordIterations sets how many rounds of salted SHA-256 hash a
// new password (default DefaultPasswordIterations, one: cheap, for tests).
// A registry whose snapshots are kept on disk should use
// StrongPasswordIterations, as legion-registry -state does.
func WithPasswordIterations(n int) Option {
	return func(cfg *config) error {
		if n < 1 || n > maxPasswordIterations {
			return fmt.Errorf("legiontest: WithPasswordIterations: %d is not in 1-%d", n, maxPasswordIterations)
		}
		cfg.pwIter = n
		return nil
	}
}

// WithRateLimit allows n requests per window per key (see LimitKey) and
// answers 429 with a Retry-After header beyond that; n = 0 disables the
// limiter (the default). See [Registry.SetRateLimit].
func WithRateLimit(n int, window time.Duration, by LimitKey) Option {
	return func(cfg *config) error {
		if n < 0 {
			return errors.New("legiontest: WithRateLimit: n must not be negative")
		}
		if n > 0 && window <= 0 {
			return errors.New("legiontest: WithRateLimit: window must be positive")
		}
		if by != ByToken && by != ByAddress {
			return fmt.Errorf("legiontest: WithRateLimit: unknown %v", by)
		}
		cfg.limitN, cfg.limitWindow, cfg.limitBy = n, window, by
		return nil
	}
}

// WithBodyTimeout bounds, in real time, how long the registry waits for a
// request's body (default DefaultBodyTimeout). A client that trickles or
// stalls its body past it gets a JSON 408 and its connection is closed.
// The bound needs a connection that supports read deadlines (a real
// server's, as NewServer and httptest give); on a ResponseRecorder it does
// nothing.
func WithBodyTimeout(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return errors.New("legiontest: WithBodyTimeout: the timeout must be positive")
		}
		cfg.bodyTimeout = d
		return nil
	}
}

// WithMaxBodyBytes caps request bodies (default 1 MiB); a longer body is
// answered 413.
func WithMaxBodyBytes(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return errors.New("legiontest: WithMaxBodyBytes: n must be positive")
		}
		cfg.maxBody = n
		return nil
	}
}
