package cli

import (
	"context"
	"slices"
	"sync"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// limitedSource lets at most n requests of the source run at once, whoever
// makes them: the solver's version lists and the background downloads share
// one --concurrency. Lists are on the critical path (each level of the tree
// waits for the one above), so a freed slot goes to a waiting list first.
type limitedSource struct {
	Source
	l *limiter
}

func newLimitedSource(src Source, n int) limitedSource {
	return limitedSource{Source: src, l: &limiter{free: n}}
}

func (s limitedSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	if err := s.l.acquire(ctx, true); err != nil {
		return nil, err
	}
	defer s.l.release()
	return s.Source.Versions(ctx, name)
}

func (s limitedSource) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	if err := s.l.acquire(ctx, false); err != nil {
		return nil, err
	}
	defer s.l.release()
	return s.Source.Fetch(ctx, name, v)
}

// limiter is a counting semaphore with two queues; release wakes the
// first waiter of the urgent one before any other.
type limiter struct {
	mu           sync.Mutex
	free         int
	urgent, rest []chan struct{}
}

func (l *limiter) acquire(ctx context.Context, urgent bool) error {
	l.mu.Lock()
	if l.free > 0 && (urgent || len(l.urgent) == 0) {
		l.free--
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	q := &l.rest
	if urgent {
		q = &l.urgent
	}
	*q = append(*q, ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		i := slices.Index(*q, ch)
		if i >= 0 {
			*q = slices.Delete(*q, i, i+1)
		}
		l.mu.Unlock()
		if i < 0 { // granted meanwhile: hand the slot on
			l.release()
		}
		return ctx.Err()
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, q := range []*[]chan struct{}{&l.urgent, &l.rest} {
		if len(*q) > 0 {
			close((*q)[0])
			*q = (*q)[1:]
			return
		}
	}
	l.free++
}

// prefetcher downloads a version's metadata (its readme, for
// legion_modules) in the background as soon as the solver chooses it, so
// that the downloads overlap the rest of the resolution instead of adding
// a pass after it. A choice the solver later changes costs one wasted
// request; the staging pass asks for the final versions through Fetch,
// which waits for a download in flight or starts one.
type prefetcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	fetch  fetchFunc
	skip   func(name string, v *semver.Version) bool // already installed

	mu    sync.Mutex
	calls map[string]*fetchCall
	wg    sync.WaitGroup
}

type fetchCall struct {
	done chan struct{}
	meta *legion.PackageVersion
	err  error
}

func newPrefetcher(ctx context.Context, fetch fetchFunc, skip func(string, *semver.Version) bool) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	return &prefetcher{ctx: ctx, cancel: cancel, fetch: fetch, skip: skip, calls: map[string]*fetchCall{}}
}

// start begins downloading name@v unless it is installed or under way.
func (p *prefetcher) start(name string, v *semver.Version) {
	if p.skip != nil && p.skip(name, v) {
		return
	}
	p.call(name, v)
}

func (p *prefetcher) call(name string, v *semver.Version) *fetchCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := key(name, v)
	if c, ok := p.calls[k]; ok {
		return c
	}
	c := &fetchCall{done: make(chan struct{})}
	p.calls[k] = c
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(c.done)
		c.meta, c.err = p.fetch(p.ctx, name, v)
	}()
	return c
}

// Fetch is a fetchFunc: the download of name@v, started now or earlier.
func (p *prefetcher) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	c := p.call(name, v)
	select {
	case <-c.done:
		return c.meta, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stop cancels the downloads nobody asked for and waits for them to end.
func (p *prefetcher) stop() {
	p.cancel()
	p.wg.Wait()
}
