package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
	"github.com/legion-registry/legion-go/internal/solver"
)

// Solver resolves a project's dependencies to one version per package name
// (the flat legion_modules layout) with internal/solver's conflict-driven
// search: it finds a resolution whenever one exists, and otherwise explains
// why none does (a *SolveError). Its preferences, in order:
//
//   - A locked version (from legion.lock) is kept whenever every range on
//     it allows it, except for names in Unlock; keeping it needs no request.
//   - Otherwise a package gets the newest version its ranges allow.
//   - When something must be older, the package farther from the project
//     gives way first: packages are decided breadth first from the
//     project, and a conflict moves the latest decision back.
//
// Locked packages are first taken from the lock alone (their only version
// is the locked one). Only when a failure's explanation involves one of
// them, or when a package not served from the lock got an older version
// than its ranges allow (the lock may be what held it back), are the full
// versions lists fetched and the search run again: a lock that still fits
// costs no request, a failure is never blamed on the lock, and the answer
// is the one the full lists give.
type Solver struct {
	Root        string          // the project's name, first in every explanation
	Source      Source          // nil when only the lock may be used
	Lock        *Lock           // preferred versions; nil for none
	Unlock      map[string]bool // names whose locked version is not preferred
	Concurrency int             // parallel requests; defaultConcurrency when 0
	OnRequest   func(done int)  // called after each request, for progress
	// OnChoose, when set, is called each time the search decides a version
	// (a later conflict may still undo it): the install starts its download.
	OnChoose func(name string, v *semver.Version)
	// MaxSteps bounds the search (solver.DefaultMaxSteps when 0).
	MaxSteps int
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
	// (nil when the version came from the lock or a versions list).
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

func key(name string, v *semver.Version) string { return name + "@" + v.Original() }

// Solve resolves deps (the project's name → range).
func (s *Solver) Solve(ctx context.Context, deps map[string]string) (*Resolution, error) {
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if err := checkPackageName(name); err != nil {
			return nil, err
		}
		if _, err := semrange.Parse(deps[name]); err != nil {
			return nil, fmt.Errorf("dependency %s: invalid range %q", name, deps[name])
		}
	}
	locked := map[string]*semver.Version{}
	fromLock := map[string]bool{}
	if s.Lock != nil {
		for name := range s.Lock.Packages {
			if v := s.Lock.version(name); v != nil && !s.Unlock[name] {
				locked[name] = v
				fromLock[name] = true
			}
		}
	}
	src := newResolveSource(ctx, s, locked)
	defer src.stop()
	for {
		src.setFromLock(fromLock)
		src.speculateDeps(deps)
		sol, err := solver.Solve(ctx, solver.Problem{
			Root:     s.rootName(),
			Deps:     deps,
			Source:   src,
			Locked:   locked,
			MaxSteps: s.MaxSteps,
			OnDecide: s.OnChoose,
		})
		var f *solver.Failure
		if errors.As(err, &f) {
			// A failure that rests on a package taken from the lock alone
			// is not final: look at all of its versions and search again.
			widened := false
			for _, name := range f.Packages() {
				if fromLock[name] {
					delete(fromLock, name)
					widened = true
				}
			}
			if widened {
				continue
			}
			return nil, &SolveError{Failure: f}
		}
		if err != nil {
			return nil, err
		}
		// The lock-only view must not change the answer: a package that
		// got an older version than its ranges allow may have been held
		// back by a locked package that could have moved with it (update
		// <pkg> to a version that needs a newer dependency). Then every
		// list is looked at, the locked versions still preferred.
		if len(fromLock) > 0 {
			held, err := heldBack(ctx, src, sol, deps, locked, s.Unlock, fromLock)
			if err != nil {
				return nil, err
			}
			if held {
				clear(fromLock)
				continue
			}
		}
		return src.resolution(sol), nil
	}
}

// heldBack reports whether a package of sol that is neither served from
// the lock nor kept at its locked version has a newer version that every
// range on it in sol (and the project's) allows.
func heldBack(ctx context.Context, src solver.Source, sol *solver.Solution, deps map[string]string,
	locked map[string]*semver.Version, unlock, fromLock map[string]bool) (bool, error) {
	ranges := map[string][]string{}
	for name, rng := range deps {
		ranges[name] = append(ranges[name], rng)
	}
	for _, v := range sol.Packages {
		for name, rng := range v.Deps {
			ranges[name] = append(ranges[name], rng)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(sol.Packages)) {
		chosen := sol.Packages[name].Version
		if fromLock[name] || locked[name] != nil && !unlock[name] && chosen.Equal(locked[name]) {
			continue
		}
		list, err := src.Versions(ctx, name)
		if err != nil {
			return false, err
		}
		for _, v := range list {
			if v.Version.GreaterThan(chosen) && allContain(ranges[name], v.Version) {
				return true, nil
			}
		}
	}
	return false, nil
}

func allContain(ranges []string, v *semver.Version) bool {
	for _, r := range ranges {
		rg, err := semrange.Parse(r)
		if err != nil || !rg.Contains(v) {
			return false
		}
	}
	return true
}

func (s *Solver) rootName() string {
	if s.Root != "" {
		return s.Root
	}
	return "project"
}
