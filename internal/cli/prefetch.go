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
// waits for the one above), so a freed slot goes to a waiting list first,
// and while lists are in flight downloads leave half the slots free for the
// next level's lists (instead of taking every slot for a round trip).
type limitedSource struct {
	Source
	l *limiter
}

func newLimitedSource(src Source, n int) limitedSource {
	return limitedSource{Source: src, l: &limiter{free: n, reserve: n / 2}}
}

func (s limitedSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	if err := s.l.acquire(ctx, true); err != nil {
		return nil, err
	}
	defer s.l.releaseUrgent()
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
// first waiter of the urgent one before any other. While urgent holders
// are active, the others get a slot only when more than reserve are free.
type limiter struct {
	mu           sync.Mutex
	free         int
	reserve      int
	active       int // urgent holders
	urgent, rest []chan struct{}
}

// mayTakeRest reports whether a non-urgent waiter may have a free slot.
func (l *limiter) mayTakeRest() bool {
	return l.free > 0 && len(l.urgent) == 0 && (l.active == 0 || l.free > l.reserve)
}

func (l *limiter) acquire(ctx context.Context, urgent bool) error {
	l.mu.Lock()
	if urgent && l.free > 0 || !urgent && l.mayTakeRest() {
		l.free--
		if urgent {
			l.active++
		}
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
			if urgent {
				l.releaseUrgent()
			} else {
				l.release()
			}
		}
		return ctx.Err()
	}
}

func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free++
	l.dispatch()
}

func (l *limiter) releaseUrgent() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.active--
	l.free++
	l.dispatch()
}

// dispatch hands free slots to waiters, urgent ones first.
func (l *limiter) dispatch() {
	for l.free > 0 {
		switch {
		case len(l.urgent) > 0:
			close(l.urgent[0])
			l.urgent = l.urgent[1:]
			l.active++
		case len(l.rest) > 0 && l.mayTakeRest():
			close(l.rest[0])
			l.rest = l.rest[1:]
		default:
			return
		}
		l.free--
	}
}

// prefetcher downloads a version's metadata (its readme, for
// legion_modules) in the background as soon as the solver chooses it, so
// that the downloads overlap the rest of the resolution instead of adding
// a pass after it. A choice the solver later changes costs one wasted
// request, so once it changes one (it is backtracking, and may try many
// versions) choose starts no more; the staging pass asks for the final
// versions through Fetch, which waits for a download in flight or starts
// one.
type prefetcher struct {
	ctx    context.Context
	cancel context.CancelFunc
	fetch  fetchFunc
	skip   func(name string, v *semver.Version) bool // already installed

	mu    sync.Mutex
	calls map[string]*fetchCall
	wg    sync.WaitGroup
	// chosen is each package's first chosen version; backtracking is set
	// when the solver chooses another.
	chosen       map[string]*semver.Version
	backtracking bool
}

type fetchCall struct {
	done chan struct{}
	meta *legion.PackageVersion
	err  error
}

func newPrefetcher(ctx context.Context, fetch fetchFunc, skip func(string, *semver.Version) bool) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	return &prefetcher{ctx: ctx, cancel: cancel, fetch: fetch, skip: skip, calls: map[string]*fetchCall{}, chosen: map[string]*semver.Version{}}
}

// choose is the solver's OnChoose: it starts the download of name@v,
// unless the solver has changed a choice before (then the download waits
// for the answer: a search that tries version after version would
// download each).
func (p *prefetcher) choose(name string, v *semver.Version) {
	p.mu.Lock()
	if prev, ok := p.chosen[name]; ok && !prev.Equal(v) {
		p.backtracking = true
	} else if !ok {
		p.chosen[name] = v
	}
	stop := p.backtracking
	p.mu.Unlock()
	if !stop {
		p.start(name, v)
	}
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
