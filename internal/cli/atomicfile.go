package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// A pendingFile is a file's new content, written and synced to a temporary
// file beside its destination, waiting to be renamed over it. Several
// pending files can be prepared first and committed together, so that a
// failure while preparing changes nothing on disk.
type pendingFile struct {
	tmp, dst string
}

// prepareFile writes data to a temporary file in dst's directory (so that
// the rename is atomic) with mode perm, or the mode of an existing dst, and
// syncs it.
func prepareFile(dst string, data []byte, perm fs.FileMode) (*pendingFile, error) {
	dir, base := filepath.Split(dst)
	if dir == "" {
		dir = "."
	}
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	fail := func(err error) (*pendingFile, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	// CreateTemp makes the file 0600 already, so a secret is never readable
	// by others, not even between creation and this chmod.
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return &pendingFile{tmp: tmp, dst: dst}, nil
}

// commit renames the temporary file over the destination and syncs the
// directory, so that the rename itself survives a crash.
func (p *pendingFile) commit() error {
	if err := os.Rename(p.tmp, p.dst); err != nil {
		os.Remove(p.tmp)
		return err
	}
	syncDir(filepath.Dir(p.dst))
	return nil
}

// abort removes the temporary file; safe to call after commit.
func (p *pendingFile) abort() {
	if p != nil {
		os.Remove(p.tmp)
	}
}

// writeFileAtomic replaces dst with data: readers see the old content or the
// new one, never a part.
func writeFileAtomic(dst string, data []byte, perm fs.FileMode) error {
	p, err := prepareFile(dst, data, perm)
	if err != nil {
		return err
	}
	return p.commit()
}

// syncDir fsyncs a directory; errors are ignored because some systems
// (Windows, some network file systems) cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// readFileIfExists returns the file's content, or nil and no error when it
// does not exist.
func readFileIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}
