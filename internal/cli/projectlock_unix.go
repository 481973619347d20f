//go:build unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on path without waiting. The kernel
// drops the lock when the process dies, so a killed run never leaves the
// project locked. Release removes the file before unlocking; a run that
// locked the file just as it was removed notices (the path no longer names
// what it locked) and tries again.
func tryLockFile(path string) (release func(), err error) {
	for {
		// O_NOFOLLOW: a committed symlink in the lock file's place must
		// not make legion create or open a file elsewhere.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o666)
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s is a symbolic link; legion never follows it (remove it)", path)
		}
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, errLockHeld
			}
			return nil, err
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close() // removed by its last holder: lock the new one
			continue
		}
		return func() {
			os.Remove(path)
			f.Close() // closing drops the flock
		}, nil
	}
}
