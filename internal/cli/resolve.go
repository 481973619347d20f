package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// Solver resolves a project's dependencies to one version per package name
// (the flat legion_modules layout). Its rules:
//
//   - Every package reached from the project gets the highest published
//     version that satisfies every range placed on it by the project and by
//     the chosen versions of the packages that depend on it.
//   - A locked version (from legion.lock) is kept whenever it satisfies every
//     such range, except for names in Unlock; keeping it needs no request.
//   - Dependents are not downgraded to make room: when no version satisfies
//     every range, resolution fails naming the chains that conflict
//     ("app → a@1.0.0 → c@^1 vs app → b@2.0.0 → c@^2").
//   - Cycles are followed like any other dependency; a cycle is reported
//     only when it keeps resolution from settling or is part of a conflict.
//
// It works in rounds: walk the graph of current choices from the project,
// fetch (concurrently) what the walk lacks, re-pick every name, and stop at
// the first round that changes nothing.
type Solver struct {
	Root        string          // the project's name, first in every chain
	Source      Source          // nil when only the lock may be used
	Lock        *Lock           // preferred versions; nil for none
	Unlock      map[string]bool // names whose locked version is not preferred
	Concurrency int             // parallel requests; defaultConcurrency when 0
	OnRequest   func(done int)  // called after each request, for progress
	// OnChoose, when set, is called each time a name gets a version, which
	// may still change in a later round (the install starts its download).
	// The calls of one round come once the next round's version lists are
	// under way, so that work started from them queues behind the lists.
	OnChoose func(name string, v *semver.Version)
}

// Resolution is the solver's answer.
type Resolution struct {
	Packages map[string]*Resolved
}

// Resolved is one package of a resolution.
type Resolved struct {
	Name         string
	Version      *semver.Version
	Dependencies map[string]string
	// Meta is the version's download metadata when the solver fetched it
	// (nil when the version came from the lock).
	Meta *legion.PackageVersion
}

// get returns the resolution of name; nil for none, or when r is nil.
func (r *Resolution) get(name string) *Resolved {
	if r == nil {
		return nil
	}
	return r.Packages[name]
}

// Lock returns the resolution as a lock.
func (r *Resolution) Lock() *Lock {
	l := &Lock{LockfileVersion: lockfileVersion, Packages: map[string]LockedPackage{}}
	for name, p := range r.Packages {
		l.Packages[name] = LockedPackage{Version: p.Version.Original(), Dependencies: maps.Clone(p.Dependencies)}
	}
	return l
}

// ErrOffline is returned by a solver without a Source that needs one.
var ErrOffline = errors.New("the lock does not cover the dependencies and no registry is available")

// versionInfo is what the solver knows of one name@version.
type versionInfo struct {
	deps map[string]string
	meta *legion.PackageVersion
}

type solverState struct {
	*Solver
	rootDeps  map[string]string
	lists     map[string][]*semver.Version // highest first
	info      map[string]*versionInfo      // by name@version
	chosen    map[string]*semver.Version
	ranges    map[string]*semrange.Range
	requests  int
	chosenNew []*Resolved // choices not yet passed to OnChoose
}

type constraint struct {
	from    string          // dependent's name; "" for the project
	fromVer *semver.Version // dependent's version
	raw     string
	r       *semrange.Range
}

// walk is one traversal of the current choices from the project.
type walk struct {
	order  []string                   // names in BFS order
	cons   map[string][]constraint    // ranges on each name
	parent map[string]string          // first dependent that reached each name ("" = project)
	ver    map[string]*semver.Version // the choices the walk followed
}

func key(name string, v *semver.Version) string { return name + "@" + v.Original() }

// Solve resolves deps (the project's name → range).
func (s *Solver) Solve(ctx context.Context, deps map[string]string) (*Resolution, error) {
	st := &solverState{
		Solver:   s,
		rootDeps: deps,
		lists:    map[string][]*semver.Version{},
		info:     map[string]*versionInfo{},
		chosen:   map[string]*semver.Version{},
		ranges:   map[string]*semrange.Range{},
	}
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if err := checkPackageName(name); err != nil {
			return nil, err
		}
		if _, err := st.parseRange(deps[name]); err != nil {
			return nil, fmt.Errorf("dependency %s: invalid range %q", name, deps[name])
		}
	}
	if s.Lock != nil {
		for name, p := range s.Lock.Packages {
			if v := s.Lock.version(name); v != nil {
				st.info[key(name, v)] = &versionInfo{deps: p.Dependencies}
			}
		}
	}
	return st.solve(ctx)
}

func (st *solverState) parseRange(raw string) (*semrange.Range, error) {
	if r, ok := st.ranges[raw]; ok {
		return r, nil
	}
	r, err := semrange.Parse(raw)
	if err != nil {
		return nil, err
	}
	st.ranges[raw] = r
	return r, nil
}

func (st *solverState) solve(ctx context.Context) (*Resolution, error) {
	seen := map[string]bool{}
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w, err := st.walk()
		if err != nil {
			return nil, err
		}
		fetched, err := st.fetchMissing(ctx, w)
		if err != nil {
			return nil, err
		}
		if fetched {
			continue
		}
		changed := false
		var conflict error
		reached := map[string]bool{}
		for _, name := range w.order {
			reached[name] = true
			v := st.pick(name, w.cons[name])
			if v == nil {
				// Keep the old choice: this may be a passing state while
				// another name moves; if nothing else changes, it is final.
				if conflict == nil {
					conflict = st.conflict(name, w)
				}
				continue
			}
			if cur := st.chosen[name]; cur == nil || !cur.Equal(v) || cur.Original() != v.Original() {
				st.chosen[name] = v
				changed = true
				st.chosenNew = append(st.chosenNew, &Resolved{Name: name, Version: v})
			}
		}
		for name := range st.chosen {
			if !reached[name] {
				delete(st.chosen, name)
			}
		}
		if !changed {
			if conflict != nil {
				return nil, conflict
			}
			return st.result(), nil
		}
		state := st.stateKey()
		if seen[state] || round > 10000 {
			if conflict != nil {
				return nil, conflict
			}
			return nil, st.cycleError()
		}
		seen[state] = true
	}
}

// walk traverses the current choices breadth-first from the project,
// collecting every range placed on every reached name.
func (st *solverState) walk() (*walk, error) {
	w := &walk{cons: map[string][]constraint{}, parent: map[string]string{}, ver: map[string]*semver.Version{}}
	visited := map[string]bool{}
	add := func(from string, fromVer *semver.Version, deps map[string]string) error {
		for _, d := range slices.Sorted(maps.Keys(deps)) {
			// Names become directories under legion_modules: one from the
			// registry is checked before it is used.
			if err := checkPackageName(d); err != nil {
				return fmt.Errorf("%s@%s has a dependency with a bad name: %w", from, fromVer, err)
			}
			r, err := st.parseRange(deps[d])
			if err != nil {
				return fmt.Errorf("%s@%s depends on %s with an invalid range %q", from, fromVer, d, deps[d])
			}
			w.cons[d] = append(w.cons[d], constraint{from: from, fromVer: fromVer, raw: deps[d], r: r})
			if !visited[d] {
				visited[d] = true
				w.parent[d] = from
				w.order = append(w.order, d)
			}
		}
		return nil
	}
	if err := add("", nil, st.rootDeps); err != nil {
		return nil, err
	}
	for i := 0; i < len(w.order); i++ {
		name := w.order[i]
		v := st.chosen[name]
		if v == nil {
			continue
		}
		w.ver[name] = v
		if inf := st.info[key(name, v)]; inf != nil {
			if err := add(name, v, inf.deps); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// lockedFits returns the locked version of name when it may be kept: it
// is not unlocked and satisfies every range.
func (st *solverState) lockedFits(name string, cons []constraint) *semver.Version {
	if st.Unlock[name] {
		return nil
	}
	v := st.Lock.version(name)
	if v == nil || st.info[key(name, v)] == nil {
		return nil
	}
	for _, c := range cons {
		if !c.r.Contains(v) {
			return nil
		}
	}
	return v
}

// pick is the version name gets under cons, or nil when none fits.
func (st *solverState) pick(name string, cons []constraint) *semver.Version {
	if v := st.lockedFits(name, cons); v != nil {
		return v
	}
next:
	for _, v := range st.lists[name] {
		for _, c := range cons {
			if !c.r.Contains(v) {
				continue next
			}
		}
		return v
	}
	return nil
}

// fetchMissing fetches, concurrently, the version lists the next picks need
// (each version with its dependencies, so one request per package), and the
// metadata of chosen versions whose dependencies the list did not carry. It
// reports whether it fetched anything.
func (st *solverState) fetchMissing(ctx context.Context, w *walk) (bool, error) {
	type task struct {
		name string
		v    *semver.Version // nil: the version list
	}
	var tasks []task
	for _, name := range w.order {
		if _, ok := st.lists[name]; !ok && st.lockedFits(name, w.cons[name]) == nil {
			tasks = append(tasks, task{name: name})
		}
		if v := st.chosen[name]; v != nil && st.info[key(name, v)] == nil {
			tasks = append(tasks, task{name: name, v: v})
		}
	}
	if len(tasks) == 0 {
		st.reportChoices()
		return false, nil
	}
	if st.Source == nil {
		return false, ErrOffline
	}
	// The last task of the first batch reports the previous round's
	// choices, after the batch's other tasks were started.
	lastOfBatch := min(len(tasks), max(st.Concurrency, 1)) - 1
	if st.Concurrency <= 0 {
		lastOfBatch = min(len(tasks), defaultConcurrency) - 1
	}
	lists := make([][]legion.PackageVersion, len(tasks))
	metas := make([]*legion.PackageVersion, len(tasks))
	var mu sync.Mutex
	err := forEach(ctx, len(tasks), st.Concurrency, func(ctx context.Context, i int) error {
		t := tasks[i]
		if i == lastOfBatch {
			st.reportChoices()
		}
		var err error
		if t.v == nil {
			lists[i], err = st.Source.Versions(ctx, t.name)
			if errors.Is(err, legion.ErrNotFound) {
				err = &MissingError{Name: t.name, Chain: st.chain(w, t.name, w.cons[t.name][0]), err: err}
			}
		} else {
			metas[i], err = st.Source.Fetch(ctx, t.name, t.v)
		}
		if err == nil && st.OnRequest != nil {
			mu.Lock()
			st.requests++
			st.OnRequest(st.requests)
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return false, err
	}
	for i, t := range tasks {
		if t.v == nil {
			vs := make([]*semver.Version, 0, len(lists[i]))
			for _, pv := range lists[i] {
				if pv.Version == nil {
					continue
				}
				vs = append(vs, pv.Version)
				// A locked version keeps the lock's dependencies.
				if k := key(t.name, pv.Version); pv.Dependencies != nil && st.info[k] == nil {
					st.info[k] = &versionInfo{deps: maps.Clone(pv.Dependencies)}
				}
			}
			slices.SortStableFunc(vs, func(a, b *semver.Version) int { return b.Compare(a) })
			st.lists[t.name] = vs
			continue
		}
		m := metas[i]
		deps := maps.Clone(m.Dependencies)
		if deps == nil {
			deps = map[string]string{}
		}
		st.info[key(t.name, t.v)] = &versionInfo{deps: deps, meta: m}
	}
	return true, nil
}

// reportChoices passes the choices made since the last call to OnChoose.
func (st *solverState) reportChoices() {
	if st.OnChoose != nil {
		for _, c := range st.chosenNew {
			st.OnChoose(c.Name, c.Version)
		}
	}
	st.chosenNew = nil
}

func (st *solverState) result() *Resolution {
	r := &Resolution{Packages: map[string]*Resolved{}}
	for name, v := range st.chosen {
		inf := st.info[key(name, v)]
		r.Packages[name] = &Resolved{Name: name, Version: v, Dependencies: maps.Clone(inf.deps), Meta: inf.meta}
	}
	return r
}

func (st *solverState) stateKey() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(st.chosen)) {
		b.WriteString(key(name, st.chosen[name]))
		b.WriteByte(' ')
	}
	return b.String()
}

// chain renders the path from the project to a constraint:
// "app → a@1.0.0 → c@^1".
func (st *solverState) chain(w *walk, name string, c constraint) string {
	var parts []string
	parts = append(parts, name+"@"+c.raw)
	if c.from != "" {
		parts = append(parts, key(c.from, c.fromVer))
		for n, guard := w.parent[c.from], 0; n != "" && guard < 1000; n, guard = w.parent[n], guard+1 {
			if v := w.ver[n]; v != nil {
				parts = append(parts, key(n, v))
			} else {
				parts = append(parts, n)
			}
		}
	}
	parts = append(parts, st.rootName())
	slices.Reverse(parts)
	return strings.Join(parts, " → ")
}

func (st *solverState) rootName() string {
	if st.Root != "" {
		return st.Root
	}
	return "project"
}

// inCycle reports whether the chain to c passes through name itself.
func (st *solverState) inCycle(w *walk, name string, c constraint) bool {
	for n, guard := c.from, 0; n != "" && guard < 1000; n, guard = w.parent[n], guard+1 {
		if n == name {
			return true
		}
	}
	return false
}

// conflict explains why no version of name fits.
func (st *solverState) conflict(name string, w *walk) error {
	cons := w.cons[name]
	published := st.lists[name]
	var pubs []string
	for _, v := range published {
		pubs = append(pubs, v.Original())
	}
	slices.Reverse(pubs)
	admits := func(cs ...constraint) bool {
	next:
		for _, v := range published {
			for _, c := range cs {
				if !c.r.Contains(v) {
					continue next
				}
			}
			return true
		}
		return false
	}
	for _, c := range cons {
		if !admits(c) {
			return &NoMatchError{Name: name, Range: c.raw, Chain: st.chain(w, name, c), Published: pubs}
		}
	}
	e := &ConflictError{Name: name, Published: pubs}
	cycle := false
	for i := range cons {
		for j := i + 1; j < len(cons) && e.Chains == nil; j++ {
			if !admits(cons[i], cons[j]) {
				e.Chains = []string{st.chain(w, name, cons[i]), st.chain(w, name, cons[j])}
				cycle = st.inCycle(w, name, cons[i]) || st.inCycle(w, name, cons[j])
			}
		}
	}
	if e.Chains == nil { // only three or more ranges together conflict
		for _, c := range cons {
			e.Chains = append(e.Chains, st.chain(w, name, c))
			cycle = cycle || st.inCycle(w, name, c)
		}
	}
	e.Cycle = cycle
	return e
}

// cycleError names a cycle among the current choices, for a resolution
// that keeps changing its mind.
func (st *solverState) cycleError() error {
	// Depth-first search for a cycle in the chosen graph.
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var found []string
	var dfs func(name string)
	dfs = func(name string) {
		if found != nil {
			return
		}
		color[name] = grey
		stack = append(stack, name)
		if v := st.chosen[name]; v != nil {
			if inf := st.info[key(name, v)]; inf != nil {
				for _, d := range slices.Sorted(maps.Keys(inf.deps)) {
					if _, ok := st.chosen[d]; !ok {
						continue
					}
					switch color[d] {
					case grey:
						i := slices.Index(stack, d)
						for _, n := range stack[i:] {
							found = append(found, key(n, st.chosen[n]))
						}
						found = append(found, d+"@"+inf.deps[d])
						return
					case white:
						dfs(d)
					}
					if found != nil {
						return
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	for _, name := range slices.Sorted(maps.Keys(st.rootDeps)) {
		if _, ok := st.chosen[name]; ok && color[name] == white {
			dfs(name)
		}
	}
	chain := strings.Join(found, " → ")
	if chain == "" {
		chain = strings.TrimSpace(st.stateKey())
	}
	return &CycleError{Chain: chain}
}
