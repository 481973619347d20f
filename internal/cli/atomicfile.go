package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// A pendingFile is a file's new content, written and synced to a temporary
// file beside its destination, waiting to be renamed over it. Several
// pending files can be prepared first and committed together, so that a
// failure while preparing changes nothing on disk.
type pendingFile struct {
	tmp, dst string
}

// prepareFile writes data to a temporary file in dst's directory (so that
// the rename is atomic) and syncs it. A new file gets perm less the umask;
// an existing dst keeps its mode, and a read-only one is refused rather than
// replaced.
func prepareFile(dst string, data []byte, perm fs.FileMode) (*pendingFile, error) {
	dir, base := filepath.Split(dst)
	if dir == "" {
		dir = "."
	}
	keep := fs.FileMode(0)
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() {
		if fi.Mode().Perm()&0o200 == 0 {
			return nil, fmt.Errorf("%s is read-only: %w (make it writable to let legion change it)", dst, ErrReadOnly)
		}
		keep = fi.Mode().Perm()
		// Never more open than the file it replaces, even for a moment.
		perm &= keep
	}
	var f *os.File
	tmp, err := createUnique(dir, "."+base+".tmp-", func(path string) (err error) {
		// The kernel applies the umask to perm; a secret's 0600 is never
		// readable by others, not even before the chmod below.
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		return err
	})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*pendingFile, error) {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if keep != 0 {
		if err := f.Chmod(keep); err != nil {
			return fail(err)
		}
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

// ErrReadOnly marks a file legion would have to replace but may not write.
var ErrReadOnly = errors.New("read-only")

// createUnique calls create with dir/prefix<random> until a name is free,
// and returns that path. Unlike os.CreateTemp and os.MkdirTemp it leaves
// the mode to create, so what it makes follows the umask.
func createUnique(dir, prefix string, create func(path string) error) (string, error) {
	for try := 0; ; try++ {
		path := filepath.Join(dir, prefix+strconv.FormatUint(rand.Uint64(), 36))
		err := create(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return "", err
		}
	}
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

// writeFileQuick replaces dst with data through a temporary file and a
// rename, without syncing: for the cache, whose readers check what they
// read (a torn version list does not parse; a torn entry does not hash).
func writeFileQuick(dst string, data []byte) error {
	var f *os.File
	tmp, err := createUnique(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-", func(path string) (err error) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		return err
	})
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
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
	b, err := readRegularFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}
