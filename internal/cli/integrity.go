package cli

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

// A package's integrity is a Subresource Integrity string, as npm's lock
// uses: "sha512-" and the base64 of a SHA-512. The registry serves no
// tarball, so what is hashed is the file list that `sha512sum` prints for
// the files install writes under legion_modules/<name>/ (every regular
// file, by path relative to that directory, sorted bytewise, with "/"
// between path elements):
//
//	<128 hex digits>  <path>\n
//
// and the SHA-512 of that listing is the digest. Anyone can check a module
// with standard tools:
//
//	cd legion_modules/<name> && find . -type f | sed 's|^\./||' | LC_ALL=C sort |
//	  xargs sha512sum | openssl dgst -sha512 -binary | base64 -w0
const integrityPrefix = "sha512-"

// moduleFiles renders what install writes for one version: its legion.json
// and, when the version has one, README.md. The dependencies are the ones
// the registry serves with the version when it sends them (so that a
// republish with other dependencies changes the hash), else the lock's.
func moduleFiles(name, version string, deps map[string]string, meta *legion.PackageVersion) (map[string][]byte, error) {
	if meta.Dependencies != nil {
		deps = meta.Dependencies
	}
	m := moduleMeta{
		Name:         name,
		Version:      version,
		Description:  meta.Description,
		Author:       meta.Author,
		License:      meta.License,
		Keywords:     meta.Keywords,
		Dependencies: deps,
	}
	b, err := marshalIndent(m)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{manifestFile: b}
	if meta.Readme != "" {
		readme := meta.Readme
		if !strings.HasSuffix(readme, "\n") {
			readme += "\n"
		}
		files[readmeFile] = []byte(readme)
	}
	return files, nil
}

// integrityOf is the integrity of a module's files (path → content).
func integrityOf(files map[string][]byte) string {
	var listing bytes.Buffer
	for _, p := range slices.Sorted(maps.Keys(files)) {
		sum := sha512.Sum512(files[p])
		listing.WriteString(hex.EncodeToString(sum[:]))
		listing.WriteString("  ")
		listing.WriteString(p)
		listing.WriteByte('\n')
	}
	sum := sha512.Sum512(listing.Bytes())
	return integrityPrefix + base64.StdEncoding.EncodeToString(sum[:])
}

// errNotModule marks a directory that holds something install never writes
// (a symlink, a device, a name with a newline): it cannot match any hash.
var errNotModule = errors.New("holds something that is not a regular file")

// readModuleDir reads every regular file under dir (path → content).
func readModuleDir(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			if !d.IsDir() {
				return fmt.Errorf("%s: not a directory: %w", dir, errNotModule)
			}
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.ContainsAny(rel, "\n\r\\"):
			return fmt.Errorf("%s: %q: %w", dir, rel, errNotModule)
		case d.IsDir():
			// Install writes no directory inside a module: even an empty
			// one means the module is not what the lock names.
			return fmt.Errorf("%s: %s/: %w", dir, rel, errNotModule)
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: %s: %w", dir, rel, errNotModule)
		}
		b, err := readRegularFile(path) // it may have been swapped since the walk saw it
		if err != nil {
			return err
		}
		files[rel] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return files, nil
}

// dirIntegrity is the integrity of what dir holds now; "" when dir is
// missing or holds something no install writes.
func dirIntegrity(dir string) string {
	files, err := readModuleDir(dir)
	if err != nil {
		return ""
	}
	return integrityOf(files)
}

// checkIntegrity reports whether s is a well-formed sha512 SRI string.
func checkIntegrity(s string) error {
	b64, ok := strings.CutPrefix(s, integrityPrefix)
	if !ok {
		return fmt.Errorf("integrity %q is not sha512-<base64>", s)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != sha512.Size {
		return fmt.Errorf("integrity %q is not sha512-<base64 of 64 bytes>", s)
	}
	return nil
}

// ErrIntegrity marks content that is not what legion.lock recorded.
var ErrIntegrity = errors.New("integrity check failed")

// IntegrityError is a version whose content the registry now serves
// differently from what legion.lock recorded: the version was changed or
// republished (or the lock was edited).
type IntegrityError struct {
	Name, Version string
	Locked        string // legion.lock's integrity
	Served        string // the integrity of what the registry serves
}

func (e *IntegrityError) Error() string {
	return fmt.Sprintf("%s has %s, the registry now serves %s for %s@%s: the version was changed or republished",
		lockFile, e.Locked, e.Served, e.Name, e.Version)
}

func (e *IntegrityError) Unwrap() error { return ErrIntegrity }
