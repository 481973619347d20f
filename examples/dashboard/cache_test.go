package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The cache holds at most maxBytes, forgetting the least recently used.
func TestCacheIsBoundedInBytes(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10_000) // about 20 kB an entry, by sizeOf
	c := newCache(time.Minute, 100_000)
	calls := map[string]int{}
	get := func(key string) string {
		v, _, err := load(context.Background(), c, key, func(context.Context) (string, error) { calls[key]++; return key + big, nil })
		if err != nil || v != key+big {
			t.Fatalf("%s: %.20q, %v", key, v, err)
		}
		return v
	}
	for i := range 50 {
		get(fmt.Sprint("search ", i))
		get("search 0") // read often: kept
	}
	var sum int64
	for _, el := range c.entries {
		sum += el.Value.(*entry).size
	}
	if c.bytes != sum || c.bytes > c.maxBytes {
		t.Errorf("cache holds %d bytes (counted %d), bound %d", sum, c.bytes, c.maxBytes)
	}
	if len(c.entries) < 3 {
		t.Errorf("only %d entries kept", len(c.entries))
	}
	for _, key := range []string{"search 49", "search 0"} {
		if _, ok := c.entries[key]; !ok {
			t.Errorf("%s was forgotten: the newest and the most recently used are kept", key)
		}
	}
	if calls["search 0"] != 1 {
		t.Errorf("search 0, read after every other, was fetched %d times, want once", calls["search 0"])
	}
	if _, ok := c.entries["search 1"]; ok {
		t.Error("search 1, the least recently used, was kept")
	}
}

// An expired answer is served at once while one background call refreshes
// it; the next load sees the new answer.
func TestCacheServesStaleWhileRevalidating(t *testing.T) {
	t.Parallel()
	c := newCache(time.Minute, 1<<20)
	var mu sync.Mutex
	now := time.Now()
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(context.Context) (int, error) {
		if calls.Add(1) == 1 {
			return 1, nil
		}
		<-release // the registry is slow
		return 2, nil
	}
	if v, _, _ := load(context.Background(), c, "k", fetch); v != 1 {
		t.Fatalf("first load = %d", v)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	for range 5 { // without waiting for the slow registry
		if v, stale, err := load(context.Background(), c, "k", fetch); v != 1 || err != nil || !stale.IsZero() {
			t.Fatalf("expired load = %d, %v, %v; want the cached 1, not marked stale", v, stale, err)
		}
	}
	close(release)
	c.bg.Wait()
	if v, _, _ := load(context.Background(), c, "k", fetch); v != 2 {
		t.Errorf("after the refresh, load = %d, want 2", v)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d registry calls, want 2 (one refresh for five expired loads)", n)
	}
}

// After an outage nobody waits on the registry for the cooldown: a key
// with nothing cached fails at once, without a call; an expired one is
// served, marked stale.
func TestCacheLeavesAFailedRegistryAlone(t *testing.T) {
	t.Parallel()
	c := newCache(time.Minute, 1<<20)
	var mu sync.Mutex
	now := time.Now()
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	down := errors.New("connection refused")
	var calls atomic.Int32
	ok := func(context.Context) (int, error) { calls.Add(1); return 1, nil }
	failing := func(context.Context) (int, error) { calls.Add(1); return 0, down }

	load(context.Background(), c, "cached", ok)
	advance(2 * time.Minute)
	if _, _, err := load(context.Background(), c, "a", failing); !errors.Is(err, down) {
		t.Fatalf("load during the outage: %v", err)
	}
	calls.Store(0)
	if _, _, err := load(context.Background(), c, "b", failing); !errors.Is(err, down) || calls.Load() != 0 {
		t.Errorf("a load within the cooldown: %v after %d calls, want the outage's error at once", err, calls.Load())
	}
	if v, stale, err := load(context.Background(), c, "cached", failing); v != 1 || stale.IsZero() || err != nil || calls.Load() != 0 {
		t.Errorf("an expired answer within the cooldown: %d, stale %v, %v after %d calls", v, stale, err, calls.Load())
	}
	advance(c.cooldown)
	if v, _, err := load(context.Background(), c, "b", ok); v != 1 || err != nil || calls.Load() != 1 {
		t.Errorf("after the cooldown: %d, %v after %d calls, want a call", v, err, calls.Load())
	}
}
