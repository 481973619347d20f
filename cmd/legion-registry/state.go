package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/legion-registry/legion-go/legiontest"
)

// saveState writes the registry's snapshot to name atomically.
func saveState(reg *legiontest.Registry, name string) error {
	data, err := reg.Snapshot()
	if err != nil {
		return fmt.Errorf("-state: snapshot: %w", err)
	}
	return writeFileAtomic(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// checkWritable reports an error when no file can be written in name's
// directory, or name is not a regular file, as saving there would fail.
func checkWritable(name string) error {
	if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("-state %s: not a regular file", name)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".probe-*")
	if err != nil {
		return fmt.Errorf("-state: %w", err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// writeFileAtomic replaces name with what write produces, so that name is
// at every moment either the old file or the whole new one: it writes a
// temporary file in the same directory, syncs it, renames it over name and
// syncs the directory. On any error name is left as it was. The file is
// private (0600): it holds password and token hashes.
func writeFileAtomic(name string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("-state: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("-state %s: %w", name, err)
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the platform allows it.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
