package solver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// DefaultMaxSteps bounds the work (see Problem.MaxSteps) when
// Problem.MaxSteps is 0: about a second on a laptop. The largest real
// shapes in the benchmarks need well under a tenth of it (5,000 packages
// backtracking hundreds of times: 0.3 M); a pigeonhole, whose every proof
// is exponential, reaches it within a few seconds and stops with
// ErrTooComplex.
const DefaultMaxSteps = 50_000_000

// Problem is what to solve.
type Problem struct {
	Root   string            // the project's name, for explanations
	Deps   map[string]string // the project's dependencies: name → npm range
	Source Source
	// Locked holds the preferred version of each name (legion.lock's,
	// minus the names being updated).
	Locked map[string]*semver.Version
	// MaxSteps bounds the work, counted as decisions, conflicts, and each
	// term of every incompatibility examined by propagation and conflict
	// resolution; DefaultMaxSteps when 0.
	MaxSteps int
	// OnDecide, when set, is called for each decision (a choice that a
	// later conflict may still undo).
	OnDecide func(name string, v *semver.Version)
}

// Solution is one version per package the project needs.
type Solution struct {
	Packages map[string]Version
	// Decisions and Conflicts count the search's work; Work is what the
	// bound counts (see Problem.MaxSteps).
	Decisions, Conflicts, Work int
}

const rootID = 0

type solver struct {
	ctx      context.Context
	prob     Problem
	pkgs     []*pkg
	byName   map[string]int
	assigns  []assignment
	level    int
	queue    pkgQueue
	forced   pkgQueue // required packages with one allowed version
	expand   pkgQueue // required packages whose dependencies may be unrecorded
	steps    int      // work spent: what Problem.MaxSteps bounds
	maxSteps int
	sinceCtx int // work since the context was last checked
	sol      Solution
	parsed   map[string]*semrange.Range // ranges by text
	// decisionIdx[l] is the index of the assignment that opened level l.
	decisionIdx []int
}

// Solve finds one version of every package the project needs, or returns
// a *Failure explaining why none exists. Other errors are the source's, the
// context's, ErrTooComplex, or a project range that is not valid.
func Solve(ctx context.Context, prob Problem) (*Solution, error) {
	s := &solver{ctx: ctx, prob: prob, byName: map[string]int{}, maxSteps: prob.MaxSteps, decisionIdx: []int{0}}
	if s.maxSteps <= 0 {
		s.maxSteps = DefaultMaxSteps
	}
	for _, name := range slices.Sorted(maps.Keys(prob.Deps)) {
		if _, err := semrange.Parse(prob.Deps[name]); err != nil {
			return nil, fmt.Errorf("dependency %s: invalid range %q", name, prob.Deps[name])
		}
	}
	rootName := prob.Root
	if rootName == "" {
		rootName = "project"
	}
	// The project is a package with one version whose dependencies are
	// the project's; "not the project" is the first incompatibility.
	all := newBitset(1)
	all.set(0)
	root := &pkg{name: rootName, loaded: true, locked: -1, decided: -1,
		versions: []Version{{Version: semver.New(0, 0, 0, "", ""), Deps: prob.Deps}},
		all:      term{pkg: rootID, set: all, absent: true}}
	s.pkgs = append(s.pkgs, root)
	s.addIncompat(&incompat{terms: []term{{pkg: rootID, set: newBitset(1), absent: true}}, cause: causeRoot})
	next := rootID
	for {
		if err := s.propagate(next); err != nil {
			return nil, err
		}
		var done bool
		var err error
		next, done, err = s.choose()
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	s.sol.Packages = map[string]Version{}
	for id, p := range s.pkgs {
		if id != rootID && p.decided >= 0 {
			s.sol.Packages[p.name] = p.versions[p.decided]
		}
	}
	if err := s.sol.check(prob.Deps, s.parse); err != nil {
		return nil, err
	}
	s.sol.Work = s.steps
	return &s.sol, nil
}

// check validates a solution before it is returned: every range, the
// project's and each selected version's, holds for the selected version.
func (sol *Solution) check(root map[string]string, parse func(string) (*semrange.Range, error)) error {
	holds := func(from string, deps map[string]string) error {
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			v, ok := sol.Packages[name]
			r, err := parse(deps[name])
			if err != nil || !ok || !r.Contains(v.Version) {
				return fmt.Errorf("solver: internal error: the solution does not satisfy %s's dependency %s %s", from, name, deps[name])
			}
		}
		return nil
	}
	if err := holds("the project", root); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(sol.Packages)) {
		v := sol.Packages[name]
		if v.Unusable != "" {
			return fmt.Errorf("solver: internal error: the solution has %s@%s, which cannot be used", name, v.Version)
		}
		if err := holds(name+"@"+v.Version.Original(), v.Deps); err != nil {
			return err
		}
	}
	return nil
}

func (s *solver) addIncompat(in *incompat) {
	for _, t := range in.terms {
		p := s.pkgs[t.pkg]
		p.incompats = append(p.incompats, in)
	}
}

// propagate derives everything that follows from the incompatibilities,
// starting from the changes to pid, resolving conflicts as they come.
func (s *solver) propagate(pid int) error {
	changed := []int{pid}
	for len(changed) > 0 {
		p := changed[len(changed)-1]
		changed = changed[:len(changed)-1]
		incs := s.pkgs[p].incompats
		for i := len(incs) - 1; i >= 0; i-- { // newest first: learned ones are the most useful
			in := incs[i]
			if err := s.spend(len(in.terms)); err != nil {
				return err
			}
			d, conflict := s.propagateOne(in)
			if conflict {
				learned, level, err := s.resolveConflict(in)
				if err != nil {
					return err
				}
				d, conflict = s.propagateAt(learned, level)
				if conflict || d < 0 {
					return fmt.Errorf("solver: internal error: a learned incompatibility does not propagate")
				}
				changed = append(changed[:0], d)
				break
			}
			if d >= 0 && !slices.Contains(changed, d) {
				changed = append(changed, d)
			}
		}
	}
	return nil
}

// propagateOne derives the negation of in's one unsatisfied term when
// every other term is satisfied, returning its package (-1 for none), or
// reports that in is satisfied: a conflict.
func (s *solver) propagateOne(in *incompat) (derived int, conflict bool) {
	return s.propagateAt(in, s.level)
}

// propagateAt is propagateOne recording the derivation at level.
func (s *solver) propagateAt(in *incompat, level int) (derived int, conflict bool) {
	unsat := -1
	for i, t := range in.terms {
		switch t.relationTo(s.known(t.pkg)) {
		case contradicted:
			return -1, false
		case inconclusive:
			if unsat >= 0 {
				return -1, false
			}
			unsat = i
		}
	}
	if unsat < 0 {
		return -1, true
	}
	t := in.terms[unsat]
	// The derivation holds from the highest level among the assignments
	// that satisfy the other terms: recording it there keeps it across
	// backjumps to any level above that.
	at := 0
	for i, u := range in.terms {
		if i != unsat {
			if j := s.satisfier(u); j >= 0 {
				at = max(at, s.assigns[j].level)
			}
		}
	}
	s.assignAt(s.inverse(t), in, min(at, level))
	return t.pkg, false
}

// resolveConflict derives, from the satisfied incompatibility in and the
// causes of its satisfiers, an incompatibility that unit propagation can
// use after backjumping, and backjumps (pub's conflict resolution). When
// the derivation reaches the project itself, solving fails. It returns
// the incompatibility to propagate and its assertion level.
func (s *solver) resolveConflict(in *incompat) (*incompat, int, error) {
	s.sol.Conflicts++
	if err := s.step(); err != nil {
		return nil, 0, err
	}
	learned := false
	for !in.isFailure() {
		if err := s.spend(len(in.terms)); err != nil {
			return nil, 0, err
		}
		var recentTerm term
		recent := -1
		var difference *term
		prevLevel := 1
		for _, t := range in.terms {
			idx := s.satisfier(t)
			if idx < 0 {
				return nil, 0, fmt.Errorf("solver: internal error: a conflicting term has no satisfier")
			}
			if idx > recent {
				if recent >= 0 {
					prevLevel = max(prevLevel, s.assigns[recent].level)
				}
				recentTerm, recent, difference = t, idx, nil
				// The satisfier may imply t only together with earlier
				// assignments: those decide how far back to jump too.
				d := s.assigns[idx].t.intersect(s.inverse(t))
				if !d.isEmpty() {
					difference = &d
					if j := s.satisfier(s.inverse(d)); j >= 0 {
						prevLevel = max(prevLevel, s.assigns[j].level)
					}
				}
			} else {
				prevLevel = max(prevLevel, s.assigns[idx].level)
			}
		}
		sat := s.assigns[recent]
		if prevLevel < sat.level || sat.cause == nil {
			// The learned incompatibility is unit at any level from
			// prevLevel to just below the satisfier's. Going back only to
			// the latter (chronological backjumping) keeps the unrelated
			// decisions taken since prevLevel: a conflict deep in one
			// branch of a wide tree does not undo all the others.
			s.backtrack(max(prevLevel, sat.level-1))
			if learned {
				s.addIncompat(in)
			}
			return in, prevLevel, nil
		}
		var terms []term
		for _, t := range in.terms {
			if t.pkg != recentTerm.pkg || !sameTerm(t, recentTerm) {
				terms = append(terms, t)
			}
		}
		for _, t := range sat.cause.terms {
			if t.pkg != sat.t.pkg {
				terms = append(terms, t)
			}
		}
		if difference != nil {
			terms = append(terms, s.inverse(*difference))
		}
		next := s.newIncompat(terms, causeConflict)
		next.conflict, next.other = in, sat.cause
		in = next
		learned = true
	}
	return nil, 0, &Failure{s: s, root: in}
}

func sameTerm(a, b term) bool { return a.absent == b.absent && a.set.equal(b.set) }

// step counts a decision or a conflict, and checks the context at each:
// they are few enough for that to cost nothing.
func (s *solver) step() error {
	if err := s.spend(1); err != nil {
		return err
	}
	return s.ctx.Err()
}

// spend counts n units of work: a decision, a conflict, and each term of
// every incompatibility examined by propagation or conflict resolution.
// Counting terms, not decisions, bounds the real cost: a proof that grows
// its learned incompatibilities (a pigeonhole) makes each later step
// dearer, and a bound on steps alone let it run for hours.
func (s *solver) spend(n int) error {
	s.steps += n

	if s.steps > s.maxSteps {
		return fmt.Errorf("%w after %d units of work (%d decisions, %d conflicts) without finding a solution or proving that none exists; narrow the ranges in the project's dependencies: %w",
			ErrTooComplex, s.maxSteps, s.sol.Decisions, s.sol.Conflicts, errStepBound)
	}
	if s.sinceCtx += n; s.sinceCtx >= 1<<12 {
		s.sinceCtx = 0
		return s.ctx.Err()
	}
	return nil
}

var errStepBound = errors.New("the step bound was reached")

// choose decides a version of a required package that is still
// undecided, after recording its dependencies; done when none is left. A
// package with one allowed version goes first (every solution from here
// has that version, so deciding it early changes no preference, and a
// chain of exact pins is followed down at once, Poetry's "no choice"
// tier); otherwise the first-reached one.
func (s *solver) choose() (next int, done bool, err error) {
	for len(s.expand) > 0 {
		id := s.expand.pop()
		if vi := s.preferred(id); vi >= 0 && s.pkgs[id].versions[vi].Deps != nil && (s.pkgs[id].recorded == nil || !s.pkgs[id].recorded.has(vi)) {
			// Record, before deciding anything, the dependencies of the
			// version this package would get: those its allowed versions
			// share constrain other packages now, so a conflict they lead
			// to is found before the decisions it would undo are taken.
			incs, err := s.dependencies(id, vi)
			if err != nil {
				return 0, false, err
			}
			for _, in := range incs {
				s.addIncompat(in)
			}
			return id, false, nil
		}
	}
	pid := -1
	for len(s.forced) > 0 {
		id := s.forced.pop()
		if s.pkgs[id].decided < 0 && isForced(s.known(id)) {
			pid = id
			break
		}
	}
	for pid < 0 && len(s.queue) > 0 {
		id := s.queue.pop()
		if s.pkgs[id].decided < 0 && s.known(id).positive() {
			pid = id
			break
		}
	}
	if pid < 0 {
		return 0, true, nil
	}
	if err := s.step(); err != nil {
		return 0, false, err
	}
	p := s.pkgs[pid]
	vi := s.preferred(pid)
	if vi < 0 {
		return 0, false, fmt.Errorf("solver: internal error: %s is required with no version allowed", p.name)
	}
	incs, err := s.dependencies(pid, vi)
	if err != nil {
		return 0, false, err
	}
	conflict := false
	for _, in := range incs {
		s.addIncompat(in)
		all := true
		for _, t := range in.terms {
			if t.pkg != pid && t.relationTo(s.known(t.pkg)) != satisfied {
				all = false
				break
			}
		}
		conflict = conflict || all
	}
	if !conflict {
		s.decide(pid, vi)
		s.sol.Decisions++
		if s.prob.OnDecide != nil && pid != rootID {
			s.prob.OnDecide(p.name, p.versions[vi].Version)
		}
	}
	s.queue.push(p) // considered again if still undecided
	return pid, false, nil
}

// preferred is the version pid gets if decided now: the locked one when
// allowed, else the newest allowed; -1 when none is allowed or pid is
// decided or not required.
func (s *solver) preferred(pid int) int {
	p := s.pkgs[pid]
	k := s.known(pid)
	if p.decided >= 0 || !k.positive() {
		return -1
	}
	if p.locked >= 0 && k.set.has(p.locked) {
		return p.locked
	}
	return k.set.highest()
}
