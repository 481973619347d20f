package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// stager builds the legion_modules that a lock describes.
type stager struct {
	projectDir  string
	lock        *Lock
	res         *Resolution // metadata fetched while resolving (may be nil)
	fetch       fetchFunc   // nil: offline
	cache       *contentCache
	concurrency int
	onFetch     func(done, total int)
	// mayChange names the packages whose locked integrity the registry may
	// have changed (those `update` names): their new content is taken.
	mayChange func(name string) bool
	// rehash fetches the packages that the lock has no integrity for, so
	// that the lock written after this install has every hash; false under
	// --frozen, which never rewrites the lock.
	rehash bool
	// fromIndex lets a version the lock has no hash for come from the
	// cache by the integrity last fetched for it (--offline and
	// --prefer-offline); online, such a version is fetched.
	fromIndex bool
}

// stageResult is what staging found out.
type stageResult struct {
	dir       string            // the staged legion_modules
	integrity map[string]string // name → the integrity of what was staged
}

// stage builds the modules in a new directory beside the real one. Each
// package comes from the first of: legion_modules itself, when its files
// match the lock's integrity; the user's cache, by integrity; the registry,
// whose content must then hash to the lock's integrity (an IntegrityError
// otherwise, unless mayChange allows it). On error nothing is left behind.
func (s *stager) stage(ctx context.Context) (*stageResult, error) {
	// Modes follow the umask (0777 and 0666 less it), so that a shared
	// build (several users, Docker) can read and update legion_modules.
	staging, err := createUnique(s.projectDir, ".legion_modules.staging-", func(path string) error {
		return os.Mkdir(path, 0o777)
	})
	if err != nil {
		return nil, err
	}
	out := &stageResult{dir: staging, integrity: map[string]string{}}
	fail := func(err error) (*stageResult, error) {
		os.RemoveAll(staging)
		return nil, err
	}
	// Each package is copied or fetched in parallel: file-system latency
	// overlaps as a network's does.
	names := slices.Sorted(maps.Keys(s.lock.Packages))
	var mu sync.Mutex
	fetched := 0
	err = forEach(ctx, len(names), s.concurrency, func(ctx context.Context, i int) error {
		name := names[i]
		sri, didFetch, err := s.stageOne(ctx, name, filepath.Join(staging, name))
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if sri != "" {
			out.integrity[name] = sri
		}
		if didFetch {
			fetched++
			if s.onFetch != nil {
				s.onFetch(fetched, len(names))
			}
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// stageOne puts one package at dst, from the first place that has it (see
// stage); it returns the content's integrity ("" when unknown: a lock
// without hashes under --frozen) and whether the registry was asked.
func (s *stager) stageOne(ctx context.Context, name, dst string) (string, bool, error) {
	lp := s.lock.Packages[name]
	installed := filepath.Join(s.projectDir, modulesDir, name)
	if lp.Integrity == "" && s.fromIndex {
		lp.Integrity = s.cache.index(name, lp.Version)
	}
	if lp.Integrity != "" {
		// Read once, checked, then written from those bytes: a file
		// changed or removed meanwhile (another process, cache clean)
		// cannot slip in or fail the run.
		if files, err := readModuleDir(installed); err == nil && matches(files, name, lp) {
			return lp.Integrity, false, writeModule(dst, files)
		}
		if files, ok := s.cache.load(lp.Integrity); ok && matches(files, name, lp) {
			return lp.Integrity, false, writeModule(dst, files)
		}
	} else if !s.rehash && installedVersion(s.projectDir, name) == lp.Version {
		// A lock without hashes, under --frozen: the version is all there
		// is to check (the run says which entries it could not verify).
		return "", false, copyDir(installed, dst)
	}
	sri, err := s.fetchOne(ctx, name, dst)
	return sri, true, err
}

// fetchOne gets one package from the registry (or the resolution's
// metadata), checks it against the lock, writes it to dst and stores it in
// the cache. It returns the content's integrity.
func (s *stager) fetchOne(ctx context.Context, name, dst string) (string, error) {
	lp := s.lock.Packages[name]
	var meta *legion.PackageVersion
	if r := s.res.get(name); r != nil && r.Meta != nil && r.Version.Original() == lp.Version {
		meta = r.Meta
	} else {
		v, err := semrange.ParseVersion(lp.Version)
		if err != nil {
			return "", err
		}
		if s.fetch == nil {
			return "", ErrOffline
		}
		if meta, err = s.fetch(ctx, name, v); err != nil {
			return "", err
		}
	}
	files, err := moduleFiles(name, lp.Version, lp.Dependencies, meta)
	if err != nil {
		return "", err
	}
	sri := integrityOf(files)
	if lp.Integrity != "" && sri != lp.Integrity && (s.mayChange == nil || !s.mayChange(name)) {
		return "", &IntegrityError{Name: name, Version: lp.Version, Locked: lp.Integrity, Served: sri}
	}
	if err := writeModule(dst, files); err != nil {
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	// A cache that cannot be written only costs requests later. (The
	// prefetcher usually stored it already, while the resolution waited on
	// the network.)
	_, _ = s.cache.putModule(name, lp.Version, files)
	return sri, nil
}

// writeModule writes one package's directory.
func writeModule(dir string, files map[string][]byte) error {
	if err := os.Mkdir(dir, 0o777); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if strings.Contains(name, "/") {
			if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
				return err
			}
		}
		if err := writeNew(path, files[name]); err != nil {
			return err
		}
	}
	return nil
}

// matches reports whether a module's files are name at lp's version with
// lp's integrity. The version is checked too: a hand-edited lock that
// pairs another version with a known hash must not get that hash's content.
func matches(files map[string][]byte, name string, lp LockedPackage) bool {
	return metaVersion(files[manifestFile], name) == lp.Version && integrityOf(files) == lp.Integrity
}
