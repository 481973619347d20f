package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// moduleMeta is legion_modules/<name>/legion.json: the installed version's
// metadata, fields in a fixed order.
type moduleMeta struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	Author       string            `json:"author,omitempty"`
	License      string            `json:"license,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"`
}

// installedVersion returns the version installed under legion_modules/name,
// or "" when there is none (or its legion.json is unreadable).
func installedVersion(projectDir, name string) string {
	return moduleVersion(filepath.Join(projectDir, modulesDir, name), name)
}

// moduleVersion is the version a module directory's legion.json names, or
// "" when it is unreadable, names another package, or is not a regular
// file: install never writes a symlink, and a FIFO or device there (a
// restored CI cache, another user) must not hang or exhaust the run.
func moduleVersion(dir, name string) string {
	path := filepath.Join(dir, manifestFile)
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	b, err := readRegularFile(path)
	if err != nil {
		return ""
	}
	return metaVersion(b, name)
}

// metaVersion is the version a module's legion.json (b) names, or "" when
// it does not parse or names another package.
func metaVersion(b []byte, name string) string {
	var m moduleMeta
	if json.Unmarshal(b, &m) != nil || m.Name != name {
		return ""
	}
	return m.Version
}

// moduleEntries lists legion_modules' entries; a missing directory is empty.
func moduleEntries(projectDir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(projectDir, modulesDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		// No package name starts with a dot; .DS_Store and the like are
		// not packages, and do not make the directory stale.
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// moduleProblem says how legion_modules/<name> differs from the lock's
// entry: "" when it matches (by integrity when the lock has one, else by
// version), else "missing" (nothing there), "installed <v>" or "modified".
func moduleProblem(projectDir, name string, lp LockedPackage) string {
	dir := filepath.Join(projectDir, modulesDir, name)
	if _, err := os.Lstat(dir); err != nil {
		return "missing"
	}
	// Whatever is there in the package's place (a directory without its
	// legion.json, a symlink, a file) is a modified module, not a missing one.
	inst := installedVersion(projectDir, name)
	switch {
	case inst != lp.Version && inst != "":
		return "installed " + inst
	case lp.Integrity == "" && inst == lp.Version:
		return ""
	case lp.Integrity == "" || dirIntegrity(dir) != lp.Integrity:
		return "modified"
	}
	return ""
}

// modulesMatch reports whether legion_modules holds exactly the lock's
// packages, each with the files its integrity names (or, for a lock
// without hashes, at the lock's version).
func modulesMatch(projectDir string, l *Lock) (bool, error) {
	problems, err := moduleProblems(projectDir, l)
	return len(problems) == 0, err
}

// fetchFunc returns one version's download metadata.
type fetchFunc func(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error)

// writeNew creates path with b. Module files are not synced one by one:
// every install checks legion_modules against the lock's integrity, so a
// module a crash left torn is found and replaced, and syncing each of a
// tree's hundreds of files cost more than the network floor of the install.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyDir copies the regular files of a package directory, recursively.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(target, 0o777)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // symlinks and the like are not ours to carry over
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close() // not synced: see writeNew
}

// modulesSwap replaces legion_modules with a staged directory in two
// renames, and can undo that until it is finished.
type modulesSwap struct {
	projectDir string
	staging    string // "" to end with no legion_modules at all
	trash      string // where the old legion_modules went
	swapped    bool
}

// commit moves the old legion_modules aside and the staged one in.
func (s *modulesSwap) commit() error {
	dst := filepath.Join(s.projectDir, modulesDir)
	if _, err := os.Lstat(dst); err == nil {
		trash, err := os.MkdirTemp(s.projectDir, ".legion_modules.old-")
		if err != nil {
			return err
		}
		s.trash = trash
		if err := os.Rename(dst, filepath.Join(trash, modulesDir)); err != nil {
			os.Remove(trash)
			s.trash = ""
			return err
		}
	}
	if s.staging != "" {
		if err := os.Rename(s.staging, dst); err != nil {
			s.rollback()
			return err
		}
	}
	s.swapped = true
	syncDir(s.projectDir)
	return nil
}

// rollback puts the old legion_modules back (after a failed commit or a
// later failure) and removes the staged one.
func (s *modulesSwap) rollback() {
	dst := filepath.Join(s.projectDir, modulesDir)
	if s.swapped && s.staging != "" {
		os.RemoveAll(dst) // the staged directory, now in place
	}
	if s.trash != "" {
		os.Rename(filepath.Join(s.trash, modulesDir), dst)
		os.Remove(s.trash)
		s.trash = ""
	}
	if !s.swapped && s.staging != "" {
		os.RemoveAll(s.staging)
	}
	s.swapped = false
}

// finish removes the old legion_modules for good.
func (s *modulesSwap) finish() {
	if s.trash != "" {
		os.RemoveAll(s.trash)
	}
}

// moduleState is a package of legion_modules that differs from the lock.
type moduleState struct {
	name, version string // version: the locked one; "" when the lock has none
	problem       string // as moduleProblem says, or "installed, not in legion.lock"
}

func (m moduleState) String() string {
	if m.version == "" {
		return m.name + ": " + m.problem
	}
	return m.name + "@" + m.version + ": " + m.problem
}

// moduleProblems lists, in name order, each package of the lock that
// legion_modules does not hold as the lock says, then each package it holds
// that the lock does not name; none when they agree.
func moduleProblems(projectDir string, l *Lock) ([]moduleState, error) {
	names, err := moduleEntries(projectDir)
	if err != nil {
		return nil, err
	}
	var out []moduleState
	for _, name := range slices.Sorted(maps.Keys(l.Packages)) {
		p := l.Packages[name]
		if problem := moduleProblem(projectDir, name, p); problem != "" {
			out = append(out, moduleState{name, p.Version, problem})
		}
	}
	for _, name := range names {
		if _, ok := l.Packages[name]; !ok {
			out = append(out, moduleState{name: name, problem: "installed, not in " + lockFile})
		}
	}
	return out, nil
}
