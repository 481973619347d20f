//go:build !unix

package cli

import (
	"errors"
	"io/fs"
	"os"
)

// tryLockFile creates path exclusively. Without flock, a run killed while
// holding the lock leaves the file behind; the busy error names it, so it
// can be removed by hand.
func tryLockFile(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return nil, errLockHeld
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	return func() { os.Remove(path) }, nil
}
