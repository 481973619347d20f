package cli

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// contentCache is the user's cache, shared by every project: module
// contents keyed by integrity (content/sha512/<hex>/, exactly the files
// install writes under legion_modules/<name>/) and the version lists last
// fetched (versions/<name>.json, with the time they were fetched).
//
// Several legion processes may use it at once. An entry is written in a
// temporary directory and renamed into place, so it is either whole or
// absent; an entry whose files do not hash to its key (a crash before the
// data reached the disk, a hand edit) is discarded when read and fetched
// again. Nothing in it is trusted without that check.
type contentCache struct {
	dir string

	mu       sync.Mutex
	written  map[string]bool // entries this process stored: known good, no need to re-read
	madeDirs map[string]bool // directories this process made sure of
}

// ensureDir makes d once per process: most of the cache's writes go to a
// few directories, and a mkdir per write is most of the cost of a write.
func (c *contentCache) ensureDir(d string) error {
	c.mu.Lock()
	done := c.madeDirs[d]
	c.mu.Unlock()
	if done {
		return nil
	}
	if err := os.MkdirAll(d, 0o777); err != nil {
		return err
	}
	// Below the cache's root, every directory must be a directory: a
	// symlink planted at content/sha512/ab would carry writes elsewhere.
	rel, err := filepath.Rel(c.dir, d)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is outside the cache %s", d, c.dir)
	}
	for p := d; rel != "." && p != c.dir; p = filepath.Dir(p) {
		if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s in the cache is not a directory (a symlink?): not writing through it", p)
		}
	}
	c.mu.Lock()
	if c.madeDirs == nil {
		c.madeDirs = map[string]bool{}
	}
	c.madeDirs[d] = true
	c.mu.Unlock()
	return nil
}

// known reports whether this process stored the entry sri.
func (c *contentCache) known(sri string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written[sri]
}

func (c *contentCache) remember(sri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.written == nil {
		c.written = map[string]bool{}
	}
	c.written[sri] = true
}

// userCacheDir mirrors os.UserCacheDir but reads the environment through
// lookup, as userConfigDir does.
func userCacheDir(lookup func(string) (string, bool)) (string, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	switch runtime.GOOS {
	case "windows":
		if d := get("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		if h := get("HOME"); h != "" {
			return filepath.Join(h, "Library", "Caches"), nil
		}
		return "", errors.New("$HOME is not set")
	case "plan9":
		if h := get("home"); h != "" {
			return filepath.Join(h, "lib", "cache"), nil
		}
		return "", errors.New("$home is not set")
	}
	if d := get("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if h := get("HOME"); h != "" {
		return filepath.Join(h, ".cache"), nil
	}
	return "", errors.New("neither $XDG_CACHE_HOME nor $HOME is set")
}

// cacheDir is LEGION_CACHE, or legion/ in the user cache directory.
func (a *app) cacheDir() (string, error) {
	if d, ok := a.env.LookupEnv("LEGION_CACHE"); ok && d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(a.env.Dir, d)
		}
		return d, nil
	}
	d, err := userCacheDir(a.env.LookupEnv)
	if err != nil {
		return "", fmt.Errorf("finding the cache directory (set LEGION_CACHE): %w", err)
	}
	return filepath.Join(d, "legion"), nil
}

// openCache returns the user's cache; when there is none to be had (no
// home directory), it warns and returns nil: an install then works
// without one.
func (a *app) openCache() *contentCache {
	d, err := a.cacheDir()
	if err != nil {
		a.progressf("warning: %v; installing without a cache", err)
		return nil
	}
	return &contentCache{dir: d}
}

// entryPath is where the content with integrity sri lives; "" for an
// integrity that is not sha512.
func (c *contentCache) entryPath(sri string) string {
	b64, ok := strings.CutPrefix(sri, integrityPrefix)
	if !ok {
		return ""
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sum) == 0 {
		return ""
	}
	h := hex.EncodeToString(sum)
	return filepath.Join(c.dir, "content", "sha512", h[:2], h[2:])
}

// load returns the files of the content with integrity sri, read once and
// checked against it: what an install writes is what was checked, even if
// another process (cache clean, a discard) removes or replaces the entry
// meanwhile. A damaged entry is removed.
func (c *contentCache) load(sri string) (map[string][]byte, bool) {
	if c == nil || sri == "" {
		return nil, false
	}
	p := c.entryPath(sri)
	if p == "" {
		return nil, false
	}
	if _, err := os.Lstat(p); err != nil {
		return nil, false
	}
	files, err := readModuleDir(p)
	switch {
	case err == nil && integrityOf(files) == sri:
		return files, true
	case errors.Is(err, fs.ErrNotExist):
		return nil, false // removed while it was read
	}
	c.discard(p)
	return nil, false
}

// has reports whether the cache holds the content with integrity sri,
// checked.
func (c *contentCache) has(sri string) bool {
	_, ok := c.load(sri)
	return ok
}

// holds reports whether an entry for sri is there, unchecked: for deciding
// what to fetch early, when load checks it before it is used.
func (c *contentCache) holds(sri string) bool {
	if c == nil || sri == "" {
		return false
	}
	p := c.entryPath(sri)
	if p == "" {
		return false
	}
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

// discard removes an entry: renamed aside first, so that another process
// never sees it half removed.
func (c *contentCache) discard(p string) {
	trash := fmt.Sprintf("%s.bad-%d-%d", p, os.Getpid(), time.Now().UnixNano())
	if os.Rename(p, trash) == nil {
		os.RemoveAll(trash)
	}
}

// put stores files under their integrity. Losing a race with another
// process that stored the same entry is success.
func (c *contentCache) put(sri string, files map[string][]byte) error {
	if c == nil || c.known(sri) {
		return nil
	}
	p := c.entryPath(sri)
	if p == "" {
		return fmt.Errorf("integrity %q is not sha512", sri)
	}
	parent := filepath.Dir(p)
	if err := c.ensureDir(parent); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return err
	}
	for name, b := range files {
		f := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(f), 0o777); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		if err := writeNew(f, b); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		// An entry is there: another process stored it first (good), or
		// it is damaged, which has discards, and then ours takes its place.
		stored := c.has(sri) || os.Rename(tmp, p) == nil
		os.RemoveAll(tmp)
		if !stored {
			return err
		}
	}
	c.remember(sri)
	return nil
}

// putModule stores a version's files and indexes them by name@version.
func (c *contentCache) putModule(name, version string, files map[string][]byte) (string, error) {
	sri := integrityOf(files)
	if c == nil {
		return sri, nil
	}
	if err := c.put(sri, files); err != nil {
		return sri, err
	}
	return sri, c.putIndex(name, version, sri)
}

// index/<name>@<version> holds the integrity of the content the registry
// served for that version when it was last fetched, so that --offline and
// --prefer-offline can install a version that no lock names yet. (A name
// has no "@" and a version no "/": the pair is a file name.)
func (c *contentCache) indexPath(name, version string) string {
	return filepath.Join(c.dir, "index", name+"@"+version)
}

// index returns the integrity last fetched for name@version, or "".
func (c *contentCache) index(name, version string) string {
	if c == nil {
		return ""
	}
	b, err := readRegularFile(c.indexPath(name, version))
	if err != nil || checkIntegrity(string(b)) != nil {
		return ""
	}
	return string(b)
}

func (c *contentCache) putIndex(name, version, sri string) error {
	if c == nil {
		return nil
	}
	if c.index(name, version) == sri {
		return nil
	}
	p := c.indexPath(name, version)
	if err := c.ensureDir(filepath.Dir(p)); err != nil {
		return err
	}
	return writeFileQuick(p, []byte(sri))
}

// cachedList is versions/<name>.json.
type cachedList struct {
	Name      string                  `json:"name"`
	FetchedAt time.Time               `json:"fetchedAt"`
	Versions  []legion.PackageVersion `json:"versions"`
}

func (c *contentCache) listPath(name string) string {
	return filepath.Join(c.dir, "versions", name+".json")
}

// versions returns the cached version list of name, if any.
func (c *contentCache) versions(name string) (*cachedList, bool) {
	if c == nil {
		return nil, false
	}
	b, err := readRegularFile(c.listPath(name))
	if err != nil {
		return nil, false
	}
	var l cachedList
	if json.Unmarshal(b, &l) != nil || l.Name != name || l.Versions == nil {
		return nil, false
	}
	for _, v := range l.Versions {
		if v.Version == nil {
			return nil, false
		}
	}
	return &l, true
}

// putVersions stores a freshly fetched version list.
func (c *contentCache) putVersions(name string, list []legion.PackageVersion, now time.Time) error {
	if c == nil {
		return nil
	}
	b, err := json.Marshal(cachedList{Name: name, FetchedAt: now.UTC(), Versions: list})
	if err != nil {
		return err
	}
	if err := c.ensureDir(filepath.Dir(c.listPath(name))); err != nil {
		return err
	}
	return writeFileQuick(c.listPath(name), b)
}

// netMode is how an install may use the network.
type netMode int

const (
	online        netMode = iota // ask the registry for version lists; contents from the cache when it has them
	preferOffline                // version lists from the cache when it has them
	offline                      // never contact the registry
)

// ErrNotCached marks what --offline needed and the cache did not have.
var ErrNotCached = errors.New("not in the cache")

// cachedSource puts the cache in front of a Source: version lists are
// stored as they are fetched, and read back under --prefer-offline and
// --offline; under --offline nothing reaches the registry.
type cachedSource struct {
	Source
	cache *contentCache
	mode  netMode
	// Lists are stored in the background, off the resolution's critical
	// path; wait waits for those writes.
	writes sync.WaitGroup
}

// wait waits for the cache writes still running.
func (s *cachedSource) wait() { s.writes.Wait() }

func (s *cachedSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	if s.mode != online {
		if l, ok := s.cache.versions(name); ok {
			return l.Versions, nil
		}
		if s.mode == offline {
			return nil, fmt.Errorf("--offline: the version list of %s is %w (run once online)", name, ErrNotCached)
		}
	}
	list, err := s.Source.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	if s.cache != nil {
		now := time.Now()
		s.writes.Add(1)
		go func() {
			defer s.writes.Done()
			_ = s.cache.putVersions(name, list, now) // a cache that cannot be written only costs requests later
		}()
	}
	return list, nil
}

func (s *cachedSource) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	if s.mode == offline {
		return nil, fmt.Errorf("--offline: %s@%s is %w (run once online)", name, v.Original(), ErrNotCached)
	}
	return s.Source.Fetch(ctx, name, v)
}
