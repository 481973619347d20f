package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// lockfileVersion is the format legion.lock is written in. Version 2 adds
// each package's integrity; version 1 (without it) is still read, and the
// next install that writes the lock adds the hashes.
const (
	lockfileVersion       = 2
	lockfileVersionNoHash = 1
)

// Lock is legion.lock: every installed package (flat: one version per
// name) with the dependency ranges of that version, so that a later install
// can check the whole tree without asking the registry.
//
// Its JSON has sorted keys at every level (the struct fields are declared
// in alphabetical order; maps are sorted by encoding/json), so the same
// resolution always gives the same bytes.
type Lock struct {
	LockfileVersion int                      `json:"lockfileVersion"`
	Packages        map[string]LockedPackage `json:"packages"`
}

// LockedPackage is one resolved package.
type LockedPackage struct {
	Dependencies map[string]string `json:"dependencies,omitempty"`
	// Integrity is the sha512 of the files install writes for this
	// version (see integrity.go); "" in a version-1 lock.
	Integrity string `json:"integrity,omitempty"`
	Version   string `json:"version"`
}

// ParseLock reads legion.lock's content and checks every name, version and
// range in it.
func ParseLock(b []byte) (*Lock, error) {
	var l Lock
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, jsonProblem(b, err, "an object with lockfileVersion and packages")
	}
	if l.LockfileVersion != lockfileVersion && l.LockfileVersion != lockfileVersionNoHash {
		return nil, fmt.Errorf("lockfileVersion %d is not %d (or %d)", l.LockfileVersion, lockfileVersion, lockfileVersionNoHash)
	}
	for _, name := range slices.Sorted(maps.Keys(l.Packages)) {
		p := l.Packages[name]
		if err := checkPackageName(name); err != nil {
			return nil, err
		}
		if _, err := semrange.ParseVersion(p.Version); err != nil {
			return nil, fmt.Errorf("%s: version %q: %w", name, p.Version, err)
		}
		if p.Integrity != "" {
			if err := checkIntegrity(p.Integrity); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		for dep, r := range p.Dependencies {
			if err := checkPackageName(dep); err != nil {
				return nil, fmt.Errorf("%s: dependency: %w", name, err)
			}
			if _, err := semrange.Parse(r); err != nil {
				return nil, fmt.Errorf("%s: dependency %s: invalid range %q", name, dep, r)
			}
		}
	}
	if l.Packages == nil {
		l.Packages = map[string]LockedPackage{}
	}
	return &l, nil
}

// Marshal renders the lock: sorted keys, two-space indent, final newline.
func (l *Lock) Marshal() []byte {
	out := Lock{LockfileVersion: lockfileVersion, Packages: l.Packages}
	if out.Packages == nil {
		out.Packages = map[string]LockedPackage{}
	}
	b, err := marshalIndent(out)
	if err != nil {
		panic(err) // strings and maps of strings always encode
	}
	return b
}

// version returns the locked version of name, parsed, or nil.
func (l *Lock) version(name string) *semver.Version {
	if l == nil {
		return nil
	}
	p, ok := l.Packages[name]
	if !ok {
		return nil
	}
	v, err := semrange.ParseVersion(p.Version)
	if err != nil {
		return nil
	}
	return v
}

// readLock reads dir/legion.lock; a missing lock is (nil, nil, nil).
func readLock(dir string) (*Lock, []byte, error) {
	b, err := readFileIfExists(filepath.Join(dir, lockFile))
	if err != nil || b == nil {
		return nil, nil, err
	}
	l, err := ParseLock(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (delete it to resolve again)", lockFile, err)
	}
	return l, b, nil
}

// prune returns the part of the lock that deps (the manifest's) reach,
// following locked dependencies; names the lock does not have are skipped.
func (l *Lock) prune(deps map[string]string) *Lock {
	out := &Lock{LockfileVersion: lockfileVersion, Packages: map[string]LockedPackage{}}
	if l == nil {
		return out
	}
	queue := slices.Sorted(maps.Keys(deps))
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out.Packages[name]; done {
			continue
		}
		p, ok := l.Packages[name]
		if !ok {
			continue
		}
		out.Packages[name] = p
		queue = append(queue, slices.Sorted(maps.Keys(p.Dependencies))...)
	}
	return out
}

// unverified lists the packages (name@version) that have no integrity.
func (l *Lock) unverified() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(l.Packages)) {
		if p := l.Packages[name]; p.Integrity == "" {
			out = append(out, name+"@"+p.Version)
		}
	}
	return out
}

// lookup returns name's entry; a nil lock has none.
func (l *Lock) lookup(name string) (LockedPackage, bool) {
	if l == nil {
		return LockedPackage{}, false
	}
	p, ok := l.Packages[name]
	return p, ok
}

// keepIntegrity copies old's hashes to the entries of l that lock the same
// version, so that an install checks a kept version against the hash it
// was first installed with.
func (l *Lock) keepIntegrity(old *Lock) {
	for name, p := range l.Packages {
		if o, ok := old.lookup(name); ok && o.Version == p.Version && p.Integrity == "" {
			p.Integrity = o.Integrity
			l.Packages[name] = p
		}
	}
}
