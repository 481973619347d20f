package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// ErrLockOutOfDate marks a legion.lock that `install --frozen` cannot
// install as it is.
var ErrLockOutOfDate = errors.New("legion.lock does not satisfy legion.json")

// frozenHint is the advice for a lock that --frozen refuses.
const frozenHint = "run 'legion pkg install' and commit legion.lock"

// checkFrozen checks that the lock is exactly what legion.json needs:
// every range, from legion.json and from each locked package, admits the
// locked version of its package, and the lock has nothing that nothing
// needs.
func checkFrozen(m *Manifest, l *Lock) error {
	if l == nil {
		return withHint(fmt.Errorf("%w: %s is missing", ErrLockOutOfDate, lockFile), frozenHint)
	}
	root := m.Name
	if root == "" {
		root = "project"
	}
	type need struct {
		name, rng string
		chain     []string // the dependents, from the project
	}
	var queue []need
	for _, d := range slices.Sorted(maps.Keys(m.Dependencies)) {
		queue = append(queue, need{d, m.Dependencies[d], []string{root}})
	}
	reached := map[string]bool{}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		chain := strings.Join(append(slices.Clone(n.chain), n.name+"@"+n.rng), " → ")
		p, ok := l.Packages[n.name]
		if !ok {
			return withHint(fmt.Errorf("%w: %s has no %s (%s)", ErrLockOutOfDate, lockFile, n.name, chain), frozenHint)
		}
		r, err := semrange.Parse(n.rng)
		if err != nil {
			return fmt.Errorf("%s: invalid range %q", chain, n.rng)
		}
		v, err := semrange.ParseVersion(p.Version)
		if err != nil || !r.Contains(v) {
			return withHint(fmt.Errorf("%w: %s has %s@%s, outside %s", ErrLockOutOfDate, lockFile, n.name, p.Version, chain), frozenHint)
		}
		if reached[n.name] {
			continue
		}
		reached[n.name] = true
		next := append(slices.Clone(n.chain), n.name+"@"+p.Version)
		for _, d := range slices.Sorted(maps.Keys(p.Dependencies)) {
			queue = append(queue, need{d, p.Dependencies[d], next})
		}
	}
	var extra []string
	for _, name := range slices.Sorted(maps.Keys(l.Packages)) {
		if !reached[name] {
			extra = append(extra, name+"@"+l.Packages[name].Version)
		}
	}
	if len(extra) > 0 {
		return withHint(fmt.Errorf("%w: %s has %s, which nothing in %s needs", ErrLockOutOfDate, lockFile, strings.Join(extra, ", "), manifestFile), frozenHint)
	}
	return nil
}

// frozenFetchError words a version the registry does not have as the
// lock's fault.
func frozenFetchError(err error) error {
	if errors.Is(err, legion.ErrNotFound) {
		return withHint(fmt.Errorf("%s names a version the registry does not have: %w", lockFile, err), frozenHint)
	}
	return err
}

// frozenUpToDate reports, without taking the project's lock or writing
// anything, whether legion.lock satisfies legion.json and legion_modules
// holds exactly what it names (every hash checked). A lock that --frozen
// refuses (missing, out of date, unreadable) is an error here already, so
// that a read-only checkout gets that answer rather than a failure to lock
// the project. Any other doubt answers false, and the install proceeds
// under the project's lock (which checks everything again).
func (a *app) frozenUpToDate() (*projectChange, bool, error) {
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return nil, false, err
	}
	if err := m.checkDependencies(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", manifestFile, err)
	}
	lock, _, err := readLock(a.env.Dir)
	if err != nil {
		return nil, false, err
	}
	if err := checkFrozen(m, lock); err != nil {
		return nil, false, err
	}
	if len(lock.unverified()) > 0 {
		return nil, false, nil
	}
	if ok, err := modulesMatch(a.env.Dir, lock); err != nil || !ok {
		return nil, false, nil
	}
	return diffInstalled(map[string]string{}, lock).upToDate(), true, nil
}
