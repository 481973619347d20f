package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

var initCmd = &command{
	name:    "init",
	args:    "[name]",
	summary: "create legion.json for a new project",
	help: `Creates legion.json in the current directory with the project's name
(default: the directory's name), version 0.1.0 and no dependencies. It
never overwrites an existing legion.json.

The name must be one the registry accepts: ` + registryNameRule + `.
When the directory's name is not, init asks for one on a terminal, and
otherwise fails asking for it as an argument.`,
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
		if err := checkRegistryName(name); err != nil {
			return usagef("pkg init: %v", err)
		}
	} else {
		abs, err := filepath.Abs(a.env.Dir)
		if err != nil {
			return wrap(err, "init")
		}
		name = filepath.Base(abs)
		if err := checkRegistryName(name); err != nil {
			if !isTerminal(a.env.Stdin) {
				return usagef("pkg init: the directory's name %q is not a package name the registry accepts (%s); give one: 'legion pkg init <name>'", name, registryNameRule)
			}
			if name, err = a.askName(sanitizeName(name)); err != nil {
				return err
			}
		}
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

// registryNameRule is the registry's rule for package names.
const registryNameRule = "1 to 64 characters of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"

// checkRegistryName refuses a name the registry would refuse, saying why.
func checkRegistryName(name string) error {
	ok := len(name) >= 1 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return fmt.Errorf("%q is not a package name the registry accepts: %s", name, registryNameRule)
	}
	return nil
}

// askName prompts on the terminal for a package name until one is valid.
func (a *app) askName(suggest string) (string, error) {
	in := bufio.NewReader(a.env.Stdin)
	for {
		fmt.Fprintf(a.stderr, "Package name (%s): ", suggest)
		line, err := readLine(in)
		if err != nil {
			return "", usagef("pkg init: reading the name: %v", err)
		}
		name := strings.TrimSpace(line)
		if name == "" {
			name = suggest
		}
		if err := checkRegistryName(name); err != nil {
			fmt.Fprintf(a.stderr, "legion: %v\n", err)
			continue
		}
		return name, nil
	}
}
