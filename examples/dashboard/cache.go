package main

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	legion "github.com/legion-registry/legion-go"
	"golang.org/x/sync/singleflight"
)

// cache keeps the registry's answers and serves them stale-while-
// revalidate: a fresh answer (younger than ttl) is served as is; an older
// one is served at once while one background call refreshes it. Concurrent
// requests for a key share one registry call. After an outage the registry
// is left alone for cooldown: a page then never waits on it, it shows what
// is cached or fails at once. It holds at most maxBytes of answers
// (estimated), forgetting the least recently used first.
type cache struct {
	ttl      time.Duration
	now      func() time.Time
	timeout  time.Duration // of one registry call, whoever asked first
	cooldown time.Duration // after an outage, how long nobody waits on the registry
	maxBytes int64

	group singleflight.Group
	bg    sync.WaitGroup // background refreshes, for tests to settle

	mu         sync.Mutex
	entries    map[string]*list.Element // of *entry
	lru        list.List                // most recently used at the front
	bytes      int64
	downUntil  time.Time // the registry failed; do not wait on it until then
	down       error     // the failure, for pages with nothing cached
	refreshing map[string]bool
}

type entry struct {
	key     string
	val     any
	fetched time.Time
	size    int64
	failed  bool // a refresh after fetched failed: the answer is stale
}

// errDown is returned without a registry call while the registry is in
// its cooldown after an outage; it wraps that outage's error.
type errDown struct{ err error }

func (e errDown) Error() string { return "registry down: " + e.err.Error() }
func (e errDown) Unwrap() error { return e.err }

func newCache(ttl time.Duration, maxBytes int64) *cache {
	return &cache{
		ttl: ttl, now: time.Now, timeout: 10 * time.Second, cooldown: 5 * time.Second, maxBytes: maxBytes,
		entries: map[string]*list.Element{}, refreshing: map[string]bool{},
	}
}

// load returns the answer for key. A fresh one comes from the cache. An
// expired one comes from the cache too, at once, while fetch refreshes it
// in the background; stale is then its fetch time if the registry failed
// since (zero otherwise). With nothing cached, load calls fetch and waits
// for it until ctx ends, unless the registry failed recently: then it
// fails at once with an error that wraps that failure.
func load[T any](ctx context.Context, c *cache, key string, fetch func(context.Context) (T, error)) (val T, stale time.Time, err error) {
	now := c.now()
	c.mu.Lock()
	el, ok := c.entries[key]
	var e entry
	if ok {
		c.lru.MoveToFront(el)
		e = *el.Value.(*entry)
	}
	down := now.Before(c.downUntil)
	downErr := c.down
	c.mu.Unlock()

	f := func(ctx context.Context) (any, error) { return fetch(ctx) }
	if ok {
		if now.Sub(e.fetched) < c.ttl {
			return e.val.(T), time.Time{}, nil
		}
		if !down {
			c.refresh(key, f)
		}
		if down || e.failed {
			stale = e.fetched
		}
		return e.val.(T), stale, nil
	}
	if down {
		return val, time.Time{}, errDown{downErr}
	}
	select {
	case <-ctx.Done():
		return val, time.Time{}, ctx.Err()
	case r := <-c.call(key, f):
		if r.Err != nil {
			return val, time.Time{}, r.Err
		}
		return r.Val.(T), time.Time{}, nil
	}
}

// refresh calls the registry for key in the background, once however many
// pages ask meanwhile.
func (c *cache) refresh(key string, fetch func(context.Context) (any, error)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refreshing[key] {
		return
	}
	c.refreshing[key] = true
	c.bg.Add(1)
	ch := c.call(key, fetch)
	go func() {
		defer c.bg.Done()
		<-ch
		c.mu.Lock()
		delete(c.refreshing, key)
		c.mu.Unlock()
	}()
}

// call starts (or joins) the registry call for key and records its
// outcome. The call serves every waiter: one of them going away must not
// cancel it for the others, so it runs on its own timeout.
func (c *cache) call(key string, fetch func(context.Context) (any, error)) <-chan singleflight.Result {
	return c.group.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		v, err := fetch(ctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err == nil:
			c.downUntil, c.down = time.Time{}, nil
			c.storeLocked(key, v)
		case outage(err):
			c.downUntil, c.down = c.now().Add(c.cooldown), err
			if el, ok := c.entries[key]; ok {
				el.Value.(*entry).failed = true
			}
		default: // the registry answered that there is no such thing (any more)
			if el, ok := c.entries[key]; ok {
				c.removeLocked(el)
			}
		}
		return v, err
	})
}

func (c *cache) storeLocked(key string, v any) {
	if el, ok := c.entries[key]; ok {
		c.removeLocked(el)
	}
	e := &entry{key: key, val: v, fetched: c.now(), size: sizeOf(key, v)}
	c.entries[key] = c.lru.PushFront(e)
	c.bytes += e.size
	for c.bytes > c.maxBytes && c.lru.Len() > 1 {
		c.removeLocked(c.lru.Back())
	}
}

func (c *cache) removeLocked(el *list.Element) {
	e := c.lru.Remove(el).(*entry)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// sizeOf estimates the memory an answer holds: twice its JSON (the
// strings themselves plus the structs, maps and slices around them),
// plus the key and the bookkeeping of an entry.
func sizeOf(key string, v any) int64 {
	b, err := json.Marshal(v)
	if err != nil {
		return 64 << 10 // unmeasurable: count it as large
	}
	return int64(2*len(b)+len(key)) + 200
}

// outage reports whether err says the registry cannot answer now (rate
// limited, a 5xx, no connection, too slow) rather than that the question
// was wrong.
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
