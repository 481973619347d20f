package solver

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/legion-registry/legion-go/internal/semrange"
)

// The package lister (pub's name): what the solver knows of each package —
// its versions, from the Source, and the incompatibilities that a
// version's dependencies bring.

// pkg is what the solver knows of one package name.
type pkg struct {
	name     string
	id       int
	depth    int // distance from the project when first reached
	loaded   bool
	missing  bool      // the source does not have it
	versions []Version // ascending
	locked   int       // index of the preferred version, -1 for none
	all      term      // every outcome
	ranges   map[string]bitset
	covered  map[string]bitset // versions whose dependency on a name is recorded
	recorded bitset            // versions whose dependencies are all recorded

	incompats []*incompat
	idx       []int  // indexes of this package's assignments
	acc       []term // known after each of them
	decided   int    // version index, -1 while undecided
}

// id returns the package id of name, registering it (unloaded) if new,
// at the given distance from the project.
func (s *solver) id(name string, depth int) int {
	if id, ok := s.byName[name]; ok {
		return id
	}
	id := len(s.pkgs)
	s.byName[name] = id
	s.pkgs = append(s.pkgs, &pkg{name: name, id: id, depth: depth, locked: -1, decided: -1})
	return id
}

// load fetches the version list of pid if it is not known yet.
func (s *solver) load(pid int) error {
	p := s.pkgs[pid]
	if p.loaded {
		return nil
	}
	list, err := s.prob.Source.Versions(s.ctx, p.name)
	switch {
	case errors.Is(err, ErrNotFound):
		p.missing = true
	case err != nil:
		return err
	}
	for _, v := range list {
		if v.Version != nil {
			p.versions = append(p.versions, v)
		}
	}
	slices.SortStableFunc(p.versions, func(a, b Version) int { return a.Version.Compare(b.Version) })
	p.versions = slices.CompactFunc(p.versions, func(a, b Version) bool { return a.Version.Equal(b.Version) })
	if lv := s.prob.Locked[p.name]; lv != nil {
		p.locked = slices.IndexFunc(p.versions, func(v Version) bool { return v.Version.Equal(lv) })
	}
	p.loaded = true
	n := len(p.versions)
	all := newBitset(n)
	for i := 0; i < n; i++ {
		all.set(i)
	}
	p.all = term{pkg: pid, set: all, absent: true}
	return nil
}

// rangeSet is the set of pid's versions that r contains.
func (s *solver) rangeSet(pid int, raw string, r *semrange.Range) bitset {
	p := s.pkgs[pid]
	if b, ok := p.ranges[raw]; ok {
		return b
	}
	b := newBitset(len(p.versions))
	for i, v := range p.versions {
		if r.Contains(v.Version) {
			b.set(i)
		}
	}
	if p.ranges == nil {
		p.ranges = map[string]bitset{}
	}
	p.ranges[raw] = b
	return b
}

// parse parses a range once per text.
func (s *solver) parse(raw string) (*semrange.Range, error) {
	if r, ok := s.parsed[raw]; ok {
		return r, nil
	}
	r, err := semrange.Parse(raw)
	if err != nil {
		return nil, err
	}
	if s.parsed == nil {
		s.parsed = map[string]*semrange.Range{}
	}
	s.parsed[raw] = r
	return r, nil
}

// dependencies returns the incompatibilities that version vi of pid brings
// and that are not recorded yet. A dependency shared by neighbouring
// versions (same name and range) is recorded once for all of them, as pub
// does, so "a >=1.1.0 depends on c ^2.0.0" covers every such version.
func (s *solver) dependencies(pid, vi int) ([]*incompat, error) {
	p := s.pkgs[pid]
	if p.recorded != nil && p.recorded.has(vi) {
		return nil, nil // decided before, and undone by a backjump
	}
	v := &p.versions[vi]
	if v.Deps == nil {
		ds, ok := s.prob.Source.(DependencySource)
		if !ok {
			return nil, fmt.Errorf("solver: %s@%s: the source sent no dependencies", p.name, v.Version.Original())
		}
		deps, err := ds.Dependencies(s.ctx, p.name, v.Version)
		if err != nil {
			return nil, err
		}
		if deps == nil {
			deps = map[string]string{}
		}
		v.Deps = deps
	}
	single := func() term {
		b := newBitset(len(p.versions))
		b.set(vi)
		return term{pkg: pid, set: b}
	}
	if v.Unusable != "" {
		return []*incompat{{terms: []term{single()}, cause: causeUnusable, reason: v.Unusable}}, nil
	}
	names := slices.Sorted(maps.Keys(v.Deps))
	parsed := make([]*semrange.Range, len(names))
	var fetch []string
	for i, name := range names {
		r, err := s.parse(v.Deps[name])
		if err != nil {
			return []*incompat{{terms: []term{single()}, cause: causeUnusable,
				reason: fmt.Sprintf("it depends on %s with an invalid range %q", name, v.Deps[name])}}, nil
		}
		parsed[i] = r
		if !s.pkgs[s.id(name, p.depth+1)].loaded {
			fetch = append(fetch, name)
		}
	}
	if pf, ok := s.prob.Source.(Prefetcher); ok && len(fetch) > 1 {
		pf.Prefetch(fetch)
	}
	var out []*incompat
	for i, name := range names {
		did := s.id(name, p.depth+1)
		if err := s.load(did); err != nil {
			return nil, err
		}
		if p.covered == nil {
			p.covered = map[string]bitset{}
		}
		cov, ok := p.covered[name]
		if !ok {
			cov = newBitset(len(p.versions))
			p.covered[name] = cov
		}
		if cov.has(vi) {
			continue
		}
		raw := v.Deps[name]
		run := newBitset(len(p.versions))
		run.set(vi)
		same := func(j int) bool {
			d := p.versions[j].Deps
			r, ok := d[name]
			return d != nil && ok && r == raw && !cov.has(j)
		}
		for j := vi - 1; j >= 0 && same(j); j-- {
			run.set(j)
		}
		for j := vi + 1; j < len(p.versions) && same(j); j++ {
			run.set(j)
		}
		for j := range p.versions {
			if run.has(j) {
				cov.set(j)
			}
		}
		depender := term{pkg: pid, set: run}
		d := s.pkgs[did]
		if d.missing {
			out = append(out, &incompat{terms: []term{depender}, cause: causeNotFound, dep: name, rng: raw})
			continue
		}
		set := s.rangeSet(did, raw, parsed[i])
		if set.empty() {
			out = append(out, &incompat{terms: []term{depender}, cause: causeNoVersions, dep: name, rng: raw})
			continue
		}
		dependee := term{pkg: did, set: set, label: raw}
		in := s.newIncompat([]term{depender, s.inverse(dependee)}, causeDependency)
		if len(in.terms) == 1 { // a dependency on itself
			if in.terms[0].isEmpty() {
				continue // satisfied by every version of the run
			}
			in.cause, in.reason = causeUnusable, fmt.Sprintf("it depends on itself as %s %s", name, raw)
		}
		in.dep, in.rng = name, raw
		out = append(out, in)
	}
	if p.recorded == nil {
		p.recorded = newBitset(len(p.versions))
	}
	p.recorded.set(vi)
	return out, nil
}
