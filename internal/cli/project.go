package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// projectChange is what an install or remove did to legion_modules.
type projectChange struct {
	Added   []pkgVersion `json:"added"`
	Updated []pkgUpdate  `json:"updated"`
	Removed []pkgVersion `json:"removed"`
	// Repaired are packages installed at the locked version whose files
	// did not match the lock's integrity (edited, extra or missing files):
	// they were replaced.
	Repaired []pkgVersion `json:"repaired"`
	Packages int          `json:"packages"`         // installed after the change
	Changed  bool         `json:"changed"`          // whether any file was (or, in a dry run, would be) written
	DryRun   bool         `json:"dryRun,omitempty"` // nothing was written
}

type pkgVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type pkgUpdate struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// applyPlan is the state a command wants the project in.
type applyPlan struct {
	dir          string
	oldManifest  []byte    // legion.json as read
	newManifest  *Manifest // nil: legion.json stays as it is
	oldLock      []byte    // legion.lock as read; nil when there was none
	lock         *Lock
	keepLock     bool        // never rewrite legion.lock (install --frozen)
	res          *Resolution // metadata fetched while resolving (may be nil)
	fetch        fetchFunc   // for packages to install that res lacks
	cache        *contentCache
	mayChange    func(name string) bool // see stager.mayChange
	concurrency  int
	progressLine *progress
	dryRun       bool // work out the change, write nothing
	fromIndex    bool // see stager.fromIndex
}

// apply brings legion.json, legion.lock and legion_modules to the plan, all
// or nothing: every download happens into a staging directory first; only
// when all succeeded are the files renamed into place. When the project is
// already in that state, nothing is written at all.
func apply(ctx context.Context, p applyPlan) (*projectChange, error) {
	before, err := installedSet(p.dir)
	if err != nil {
		return nil, err
	}
	change := diffInstalled(before, p.lock)

	var manifestBytes []byte
	if p.newManifest != nil {
		manifestBytes = p.newManifest.Marshal()
		if bytes.Equal(manifestBytes, p.oldManifest) {
			manifestBytes = nil
		}
	}
	problems, err := moduleProblems(p.dir, p.lock)
	if err != nil {
		return nil, err
	}
	modsOK := len(problems) == 0
	for _, m := range problems {
		if m.problem == "modified" {
			change.Repaired = append(change.Repaired, pkgVersion{m.name, m.version})
			// One whose legion.json is gone is not also "added".
			change.Added = slices.DeleteFunc(change.Added, func(a pkgVersion) bool { return a.Name == m.name })
		}
	}
	// A lock that will be written gets every package's hash.
	needHashes := !p.keepLock && len(p.lock.unverified()) > 0
	lockBytes := p.lock.Marshal()
	if p.keepLock || bytes.Equal(lockBytes, p.oldLock) {
		lockBytes = nil
	}
	if manifestBytes == nil && lockBytes == nil && modsOK && !needHashes {
		return change, nil
	}
	change.Changed = true
	if p.dryRun {
		return change, nil
	}

	var swap *modulesSwap
	if !modsOK || needHashes {
		swap = &modulesSwap{projectDir: p.dir}
		if len(p.lock.Packages) > 0 {
			st := &stager{
				projectDir:  p.dir,
				lock:        p.lock,
				res:         p.res,
				fetch:       p.fetch,
				cache:       p.cache,
				concurrency: p.concurrency,
				mayChange:   p.mayChange,
				rehash:      !p.keepLock,
				fromIndex:   p.fromIndex,
			}
			if p.progressLine != nil {
				st.onFetch = func(done, total int) {
					if total > 1 {
						p.progressLine.update("legion: installing %d/%d", done, total)
					}
				}
			}
			staged, err := st.stage(ctx)
			if p.progressLine != nil {
				p.progressLine.done()
			}
			if err != nil {
				return nil, err
			}
			swap.staging = staged.dir
			if !p.keepLock {
				for name, sri := range staged.integrity {
					lp := p.lock.Packages[name]
					lp.Integrity = sri
					p.lock.Packages[name] = lp
				}
				if lockBytes = p.lock.Marshal(); bytes.Equal(lockBytes, p.oldLock) {
					lockBytes = nil
				}
			}
		}
	}

	// Everything that needed the network is done; prepare the files.
	var pending []*pendingFile
	abort := func() {
		for _, f := range pending {
			f.abort()
		}
		if swap != nil {
			swap.rollback()
		}
	}
	type write struct {
		path     string
		data     []byte
		original []byte // to restore on a later failure; nil: remove
	}
	var writes []write
	if lockBytes != nil {
		writes = append(writes, write{filepath.Join(p.dir, lockFile), lockBytes, p.oldLock})
	}
	if manifestBytes != nil {
		writes = append(writes, write{filepath.Join(p.dir, manifestFile), manifestBytes, p.oldManifest})
	}
	for _, w := range writes {
		f, err := prepareFile(w.path, w.data, 0o666)
		if err != nil {
			abort()
			return nil, err
		}
		pending = append(pending, f)
	}

	// Commit: swap legion_modules, then rename each file. A failure undoes
	// what was already done.
	if swap != nil {
		if err := swap.commit(); err != nil {
			abort()
			return nil, fmt.Errorf("replacing %s: %w", modulesDir, err)
		}
	}
	for i, f := range pending {
		if err := f.commit(); err != nil {
			for _, g := range pending[i+1:] {
				g.abort()
			}
			for _, w := range writes[:i] {
				restoreFile(w.path, w.original)
			}
			if swap != nil {
				swap.rollback()
			}
			return nil, err
		}
	}
	if swap != nil {
		swap.finish()
	}
	return change, nil
}

// restoreFile puts back a file's original content after a failed commit.
func restoreFile(path string, original []byte) {
	if original == nil {
		os.Remove(path)
		return
	}
	_ = writeFileAtomic(path, original, 0o666)
}

// installedSet is name → version of what legion_modules holds now.
func installedSet(dir string) (map[string]string, error) {
	names, err := moduleEntries(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if v := installedVersion(dir, n); v != "" {
			out[n] = v
		}
	}
	return out, nil
}

func diffInstalled(before map[string]string, after *Lock) *projectChange {
	c := &projectChange{Added: []pkgVersion{}, Updated: []pkgUpdate{}, Removed: []pkgVersion{}, Repaired: []pkgVersion{}, Packages: len(after.Packages)}
	for _, name := range slices.Sorted(maps.Keys(after.Packages)) {
		v := after.Packages[name].Version
		old, ok := before[name]
		switch {
		case !ok:
			c.Added = append(c.Added, pkgVersion{name, v})
		case old != v:
			c.Updated = append(c.Updated, pkgUpdate{name, old, v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after.Packages[name]; !ok {
			c.Removed = append(c.Removed, pkgVersion{name, before[name]})
		}
	}
	return c
}

// upToDate is c for a project that had everything c added already.
func (c *projectChange) upToDate() *projectChange {
	c.Added = []pkgVersion{}
	return c
}

func plural(n int, word string) string {
	switch {
	case n == 1:
		return fmt.Sprintf("1 %s", word)
	case strings.HasSuffix(word, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// errNotDependency is removing what legion.json does not list.
var errNotDependency = errors.New("not a dependency")

// versionOf parses a locked version, for display.
func versionOf(s string) *semver.Version {
	v, _ := semver.StrictNewVersion(s)
	return v
}
