package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
	"github.com/legion-registry/legion-go/internal/solver"
)

// resolveSource is the solver's view of the registry and the lock. The
// solver decides one package at a time, but must not fetch one at a time:
// as soon as a versions list arrives, the lists of the dependencies of the
// version the solver will most likely pick (the locked one, else the
// newest the range that led here allows) are requested too, in parallel.
// A tree then costs about one round trip per level, and a list is fetched
// at most once. A speculative request's error only matters if the solver
// asks for that list.
type resolveSource struct {
	ctx    context.Context
	cancel context.CancelFunc
	s      *Solver
	locked map[string]*semver.Version
	sem    chan struct{}
	// fromLock names the packages served from the lock alone (set by Solve
	// before each search; only read while the search runs).
	fromLock map[string]bool

	mu    sync.Mutex
	lists map[string]*call[[]legion.PackageVersion]
	metas map[string]*call[*legion.PackageVersion] // by name@version
	wg    sync.WaitGroup

	progMu   sync.Mutex
	requests int
}

// call is one request, started once, waited for by anyone.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newResolveSource(ctx context.Context, s *Solver, locked map[string]*semver.Version) *resolveSource {
	ctx, cancel := context.WithCancel(ctx)
	n := s.Concurrency
	if n <= 0 {
		n = defaultConcurrency
	}
	return &resolveSource{ctx: ctx, cancel: cancel, s: s, locked: locked, sem: make(chan struct{}, n),
		lists: map[string]*call[[]legion.PackageVersion]{}, metas: map[string]*call[*legion.PackageVersion]{}}
}

// stop cancels the speculative requests nobody needed and waits for them.
func (r *resolveSource) stop() {
	r.cancel()
	r.wg.Wait()
}

// Versions is solver.Source: the lock's entry for a package served from
// the lock, else the registry's list.
func (r *resolveSource) Versions(ctx context.Context, name string) ([]solver.Version, error) {
	if r.fromLock[name] {
		p := r.s.Lock.Packages[name]
		d := p.Dependencies
		if d == nil {
			d = map[string]string{}
		}
		return []solver.Version{{Version: r.locked[name], Deps: maps.Clone(d), Unusable: unusable(d)}}, nil
	}
	if r.s.Source == nil {
		return nil, ErrOffline
	}
	c := r.list(name, "")
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if errors.Is(c.err, legion.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", solver.ErrNotFound, c.err)
	}
	if c.err != nil {
		return nil, c.err
	}
	out := make([]solver.Version, 0, len(c.val))
	for _, pv := range c.val {
		if pv.Version == nil {
			continue
		}
		v := solver.Version{Version: pv.Version, Deps: maps.Clone(pv.Dependencies)}
		if v.Deps != nil {
			v.Unusable = unusable(v.Deps)
		}
		out = append(out, v)
	}
	return out, nil
}

// unusable says why a version whose dependencies name a package that
// cannot be one (names become directories under legion_modules) cannot be
// installed; "" when it can.
func unusable(deps map[string]string) string {
	for _, d := range slices.Sorted(maps.Keys(deps)) {
		if err := checkPackageName(d); err != nil {
			return fmt.Sprintf("it has a dependency with a bad name (%q: %v)", d, err)
		}
	}
	return ""
}

// Prefetch is solver.Prefetcher: the lists the solver is about to need.
func (r *resolveSource) Prefetch(names []string) {
	for _, n := range names {
		if !r.fromLock[n] && r.s.Source != nil {
			r.list(n, "")
		}
	}
}

// Dependencies is solver.DependencySource, for a registry whose lists do
// not carry dependencies: the version's metadata.
func (r *resolveSource) Dependencies(ctx context.Context, name string, v *semver.Version) (map[string]string, error) {
	c := r.meta(name, v)
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	deps := maps.Clone(c.val.Dependencies)
	if deps == nil {
		deps = map[string]string{}
	}
	return deps, nil
}

// list starts (once) the request for name's versions. rng is the range
// that led to it, for guessing which version's dependencies to fetch next.
func (r *resolveSource) list(name, rng string) *call[[]legion.PackageVersion] {
	r.mu.Lock()
	if c, ok := r.lists[name]; ok {
		r.mu.Unlock()
		return c
	}
	c := &call[[]legion.PackageVersion]{done: make(chan struct{})}
	r.lists[name] = c
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		c.val, c.err = request(r, func(ctx context.Context) ([]legion.PackageVersion, error) {
			return r.s.Source.Versions(ctx, name)
		})
		close(c.done)
		if c.err == nil {
			r.speculate(name, rng, c.val)
		}
	}()
	return c
}

func (r *resolveSource) meta(name string, v *semver.Version) *call[*legion.PackageVersion] {
	k := key(name, v)
	r.mu.Lock()
	if c, ok := r.metas[k]; ok {
		r.mu.Unlock()
		return c
	}
	c := &call[*legion.PackageVersion]{done: make(chan struct{})}
	r.metas[k] = c
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		c.val, c.err = request(r, func(ctx context.Context) (*legion.PackageVersion, error) {
			return r.s.Source.Fetch(ctx, name, v)
		})
		close(c.done)
		if c.err == nil {
			r.speculateDeps(c.val.Dependencies)
		}
	}()
	return c
}

// request runs one request within the concurrency limit and counts it.
func request[T any](r *resolveSource, do func(context.Context) (T, error)) (T, error) {
	var zero T
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		return zero, r.ctx.Err()
	}
	v, err := do(r.ctx)
	<-r.sem
	if err == nil {
		// Counted and reported under one lock: progress calls come one
		// at a time, in order.
		r.progMu.Lock()
		r.requests++
		if r.s.OnRequest != nil {
			r.s.OnRequest(r.requests)
		}
		r.progMu.Unlock()
	}
	return v, err
}

// speculate fetches ahead what the solver will probably need after name:
// the lists of the dependencies of its likely version.
func (r *resolveSource) speculate(name, rng string, list []legion.PackageVersion) {
	vs := make([]*semver.Version, 0, len(list))
	for _, pv := range list {
		if pv.Version != nil {
			vs = append(vs, pv.Version)
		}
	}
	want := r.locked[name]
	if r.s.Unlock[name] || want == nil || !slices.ContainsFunc(vs, want.Equal) {
		want = nil
		if rg, err := semrange.Parse(rng); err == nil {
			want = rg.Max(vs)
		}
	}
	if want == nil {
		return
	}
	for _, pv := range list {
		if pv.Version != nil && pv.Version.Equal(want) {
			if pv.Dependencies == nil {
				r.meta(name, pv.Version)
				return
			}
			r.speculateDeps(pv.Dependencies)
			return
		}
	}
}

func (r *resolveSource) speculateDeps(deps map[string]string) {
	if r.s.Source == nil {
		return
	}
	for _, d := range slices.Sorted(maps.Keys(deps)) {
		if checkPackageName(d) != nil {
			return
		}
		if r.isFromLock(d) {
			// No request: go on through the lock's dependencies.
			r.speculateLocked(d, map[string]bool{})
			continue
		}
		r.list(d, deps[d])
	}
}

func (r *resolveSource) setFromLock(names map[string]bool) {
	r.mu.Lock()
	r.fromLock = maps.Clone(names)
	r.mu.Unlock()
}

func (r *resolveSource) isFromLock(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fromLock[name]
}

func (r *resolveSource) speculateLocked(name string, seen map[string]bool) {
	if seen[name] {
		return
	}
	seen[name] = true
	for _, d := range slices.Sorted(maps.Keys(r.s.Lock.Packages[name].Dependencies)) {
		if checkPackageName(d) != nil {
			return
		}
		if r.isFromLock(d) {
			r.speculateLocked(d, seen)
		} else {
			r.list(d, r.s.Lock.Packages[name].Dependencies[d])
		}
	}
}

// resolution turns the solver's answer into the CLI's, with the metadata
// fetched for versions whose lists lacked dependencies.
func (r *resolveSource) resolution(sol *solver.Solution) *Resolution {
	res := &Resolution{Packages: map[string]*Resolved{}}
	for name, v := range sol.Packages {
		p := &Resolved{Name: name, Version: v.Version, Dependencies: maps.Clone(v.Deps)}
		r.mu.Lock()
		c := r.metas[key(name, v.Version)]
		r.mu.Unlock()
		if c != nil {
			<-c.done
			p.Meta = c.val
		}
		res.Packages[name] = p
	}
	return res
}
