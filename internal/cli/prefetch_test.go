package cli

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

func TestLimiterServesListsFirst(t *testing.T) {
	t.Parallel()
	l := &limiter{free: 1}
	ctx := context.Background()
	if err := l.acquire(ctx, false); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 2)
	go func() { l.acquire(ctx, false); order <- "download"; l.release() }()
	waitFor(t, func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.rest) == 1 })
	go func() { l.acquire(ctx, true); order <- "list"; l.release() }()
	waitFor(t, func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.urgent) == 1 })
	l.release()
	if first, second := <-order, <-order; first != "list" || second != "download" {
		t.Errorf("served %s then %s, want the list first", first, second)
	}
	// A waiter whose context ends leaves the queue; the slot stays usable.
	if err := l.acquire(ctx, true); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := l.acquire(cctx, false); err == nil {
		t.Fatal("acquired a held slot")
	}
	l.release()
	if l.free != 1 || len(l.rest)+len(l.urgent) != 0 {
		t.Errorf("after a cancelled wait: free %d, queued %d", l.free, len(l.rest)+len(l.urgent))
	}
}

func TestPrefetcherFetchesEachVersionOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	fetch := func(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
		calls.Add(1)
		return &legion.PackageVersion{Name: name, Version: v}, nil
	}
	v := semver.MustParse("1.0.0")
	p := newPrefetcher(context.Background(), fetch, func(name string, _ *semver.Version) bool { return name == "installed" })
	defer p.stop()
	p.start("a", v)
	p.start("installed", v)
	waitFor(t, func() bool { return calls.Load() == 1 })
	if m, err := p.Fetch(context.Background(), "a", v); err != nil || m.Name != "a" {
		t.Fatalf("Fetch: %v %v", m, err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d downloads, want 1: the started one is reused and an installed version is skipped", n)
	}
}
