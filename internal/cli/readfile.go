package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// errNotRegular marks a path that names something other than a regular
// file (a FIFO, a device, a directory): reading it could block forever
// (a FIFO with no writer) or never end (/dev/zero).
var errNotRegular = errors.New("not a regular file")

// maxReadFile bounds what readRegularFile reads: far above any manifest,
// lock or module file legion writes, far below what exhausts memory.
const maxReadFile = 64 << 20

// readRegularFile reads a regular file (a symlink to one is followed). The
// file is opened without blocking, so that a FIFO in its place is refused
// instead of hanging the run, and what is read is bounded.
func readRegularFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonBlocking, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxReadFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxReadFile {
		return nil, fmt.Errorf("%s: larger than %d MiB", path, maxReadFile>>20)
	}
	return b, nil
}
