package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

var initCmd = &command{
	name:    "init",
	args:    "[name]",
	summary: "create legion.json for a new project",
	help: `Creates legion.json in the current directory with the project's name
(default: the directory's name, lower-cased, other characters turned into
'-'), version 0.1.0 and no dependencies. It never overwrites an existing
legion.json.`,
	run: (*app).runInit,
}

func (a *app) runInit(ctx context.Context, fs *flagSet, args []string) error {
	desc := fs.String("description", "", "the project's `description`")
	license := fs.String("license", "", "the project's license (an SPDX `id`, e.g. MIT)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("pkg init takes at most one name, got %d arguments", len(pos))
	}
	var name string
	if len(pos) == 1 {
		name = pos[0]
		if err := checkPackageName(name); err != nil {
			return usagef("pkg init: %v", err)
		}
	} else {
		abs, err := filepath.Abs(a.env.Dir)
		if err != nil {
			return wrap(err, "init")
		}
		name = sanitizeName(filepath.Base(abs))
	}
	m := &Manifest{
		Name:         name,
		Version:      "0.1.0",
		Description:  *desc,
		License:      *license,
		Keywords:     []string{},
		Dependencies: map[string]string{},
	}
	path := filepath.Join(a.env.Dir, manifestFile)
	if err := createFileAtomic(path, m.Marshal()); err != nil {
		if errors.Is(err, os.ErrExist) {
			return wrap(fmt.Errorf("%s already exists; not overwriting it", manifestFile), "init")
		}
		return wrap(err, "init")
	}
	fmt.Fprintf(a.stdout, "Wrote %s for %s@%s\n", manifestFile, m.Name, m.Version)
	return nil
}

// createFileAtomic writes a new file through a temporary one and links it
// into place, failing with fs.ErrExist if the file exists (even if it
// appeared after we looked): a hard link, unlike a rename, never replaces.
func createFileAtomic(path string, data []byte) error {
	p, err := prepareFile(path, data, 0o644)
	if err != nil {
		return err
	}
	defer p.abort()
	if _, err := os.Lstat(path); err == nil {
		return fs.ErrExist
	}
	if err := os.Link(p.tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// No hard links here (some file systems): fall back to a rename
		// after the check above.
		return p.commit()
	}
	syncDir(filepath.Dir(path))
	return nil
}
