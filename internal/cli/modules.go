package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
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
	b, err := os.ReadFile(filepath.Join(projectDir, modulesDir, name, manifestFile))
	if err != nil {
		return ""
	}
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

// modulesMatch reports whether legion_modules holds exactly the lock's
// packages at the lock's versions.
func modulesMatch(projectDir string, l *Lock) (bool, error) {
	names, err := moduleEntries(projectDir)
	if err != nil {
		return false, err
	}
	if len(names) != len(l.Packages) {
		return false, nil
	}
	for _, n := range names {
		p, ok := l.Packages[n]
		if !ok || installedVersion(projectDir, n) != p.Version {
			return false, nil
		}
	}
	return true, nil
}

// fetchFunc returns one version's download metadata.
type fetchFunc func(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error)

// stageModules builds the legion_modules that l describes in a new
// directory beside the real one and returns its path. Packages already
// installed at the right version are copied; the others come from the
// resolution's metadata or are fetched, concurrently. On error nothing is
// left behind. When onFetch is set it is called after each fetch.
func stageModules(ctx context.Context, projectDir string, l *Lock, res *Resolution, fetch fetchFunc, concurrency int, onFetch func(done, total int)) (string, error) {
	// Modes follow the umask (0777 and 0666 less it), so that a shared
	// build (several users, Docker) can read and update legion_modules.
	staging, err := createUnique(projectDir, ".legion_modules.staging-", func(path string) error {
		return os.Mkdir(path, 0o777)
	})
	if err != nil {
		return "", err
	}
	names := slices.Sorted(maps.Keys(l.Packages))
	var toFetch []string
	for _, name := range names {
		if installedVersion(projectDir, name) == l.Packages[name].Version {
			if err := copyDir(filepath.Join(projectDir, modulesDir, name), filepath.Join(staging, name)); err != nil {
				os.RemoveAll(staging)
				return "", err
			}
			continue
		}
		toFetch = append(toFetch, name)
	}
	var done int
	var doneMu sync.Mutex
	err = forEach(ctx, len(toFetch), concurrency, func(ctx context.Context, i int) error {
		name := toFetch[i]
		lp := l.Packages[name]
		var meta *legion.PackageVersion
		if r := res.get(name); r != nil && r.Meta != nil && r.Version.Original() == lp.Version {
			meta = r.Meta
		} else {
			v, err := semrange.ParseVersion(lp.Version)
			if err != nil {
				return err
			}
			if fetch == nil {
				return ErrOffline
			}
			if meta, err = fetch(ctx, name, v); err != nil {
				return err
			}
		}
		if err := writeModule(filepath.Join(staging, name), name, lp, meta); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
		if onFetch != nil {
			doneMu.Lock()
			done++
			onFetch(done, len(toFetch))
			doneMu.Unlock()
		}
		return nil
	})
	if err != nil {
		os.RemoveAll(staging)
		return "", err
	}
	return staging, nil
}

// writeModule writes one package's directory: legion.json and, when the
// version has one, README.md; both synced before the directory is swapped in.
func writeModule(dir, name string, lp LockedPackage, meta *legion.PackageVersion) error {
	if err := os.Mkdir(dir, 0o777); err != nil {
		return err
	}
	m := moduleMeta{
		Name:         name,
		Version:      lp.Version,
		Description:  meta.Description,
		Author:       meta.Author,
		License:      meta.License,
		Keywords:     meta.Keywords,
		Dependencies: lp.Dependencies,
	}
	b, err := marshalIndent(m)
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(dir, manifestFile), b); err != nil {
		return err
	}
	if meta.Readme != "" {
		readme := meta.Readme
		if !strings.HasSuffix(readme, "\n") {
			readme += "\n"
		}
		if err := writeSynced(filepath.Join(dir, readmeFile), []byte(readme)); err != nil {
			return err
		}
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
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
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
