package main

import (
	"context"
	"errors"
	"sync"
	"time"

	legion "github.com/legion-registry/legion-go"
	"golang.org/x/sync/singleflight"
)

// cache keeps the registry's answers for ttl, shares one registry call
// among concurrent requests for the same key, and keeps the last good
// answer to serve, marked stale, while the registry is rate limiting us or
// down.
type cache struct {
	ttl     time.Duration
	now     func() time.Time
	timeout time.Duration // of one registry call, whoever asked first
	max     int           // entries kept; searches are many and each is a key

	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]entry
}

type entry struct {
	val     any
	fetched time.Time
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, now: time.Now, timeout: 15 * time.Second, max: 10_000, entries: map[string]entry{}}
}

// load returns the answer for key, from the cache while it is fresh, else
// from fetch. When fetch fails with an outage and an older answer exists,
// load returns that answer and the time it was fetched (stale); otherwise
// stale is the zero time.
func load[T any](ctx context.Context, c *cache, key string, fetch func(context.Context) (T, error)) (val T, stale time.Time, err error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && c.now().Sub(e.fetched) < c.ttl {
		return e.val.(T), time.Time{}, nil
	}
	ch := c.group.DoChan(key, func() (any, error) {
		// The call serves every waiter: one of them going away must not
		// cancel it for the others.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		v, err := fetch(fctx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		for k := range c.entries { // full: forget any one (map order is random)
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
		c.entries[key] = entry{val: v, fetched: c.now()}
		c.mu.Unlock()
		return v, nil
	})
	select {
	case <-ctx.Done():
		return val, time.Time{}, ctx.Err()
	case r := <-ch:
		if r.Err == nil {
			return r.Val.(T), time.Time{}, nil
		}
		if ok && outage(r.Err) {
			return e.val.(T), e.fetched, nil
		}
		return val, time.Time{}, r.Err
	}
}

// outage reports whether err says the registry cannot answer now (rate
// limited, a 5xx, no connection) rather than that the question was wrong.
func outage(err error) bool {
	var apiErr *legion.Error
	switch {
	case errors.Is(err, legion.ErrRateLimited), errors.Is(err, legion.ErrServer):
		return true
	case errors.As(err, &apiErr), errors.Is(err, legion.ErrInvalidArgument), errors.Is(err, legion.ErrNoMatchingVersion):
		return false // the registry answered: 4xx
	default:
		return true // transport failures, timeouts, undecodable answers
	}
}
