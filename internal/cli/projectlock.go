package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// projectLockFile is held by a run while it reads and changes the project
// (legion.json, legion.lock, legion_modules), so that two runs on one
// project cannot lose each other's updates. It exists only while held.
const projectLockFile = ".legion-project.lock"

// defaultLockWait is how long a run waits for another to release the
// project before it gives up; LEGION_LOCK_WAIT (a Go duration) overrides it.
const defaultLockWait = 5 * time.Second

// ErrProjectBusy marks a project held by another run.
var ErrProjectBusy = errors.New("another legion run holds the project")

// lockWait is the wait LEGION_LOCK_WAIT asks for, or the default.
func (a *app) lockWait() (time.Duration, error) {
	s, ok := a.env.LookupEnv("LEGION_LOCK_WAIT")
	if !ok || s == "" {
		return defaultLockWait, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usagef("LEGION_LOCK_WAIT=%q is not a duration (e.g. 30s)", s)
	}
	return d, nil
}

// lockProject takes the project's lock, waiting up to LEGION_LOCK_WAIT for
// another run to release it, then removes what a killed run left behind.
// The caller must call release.
func (a *app) lockProject(ctx context.Context) (release func(), err error) {
	wait, err := a.lockWait()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(a.env.Dir, projectLockFile)
	deadline := time.Now().Add(wait)
	for {
		release, err := tryLockFile(path)
		if err == nil {
			cleanLeftovers(a.env.Dir)
			return release, nil
		}
		if !errors.Is(err, errLockHeld) {
			return nil, fmt.Errorf("locking the project: %w", err)
		}
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("%w (waited %s for %s; try again when it has finished)", ErrProjectBusy, wait, path)
		}
		t := time.NewTimer(min(50*time.Millisecond, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// errLockHeld is tryLockFile's answer when another process holds the lock.
var errLockHeld = errors.New("lock held")

// cleanLeftovers removes the staging directories and temporary files of a
// run that was killed before it could clean up. It runs under the
// project's lock, so nothing it removes belongs to a live run. A
// legion_modules moved aside and never replaced is put back first.
func cleanLeftovers(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	modules := filepath.Join(dir, modulesDir)
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, ".legion_modules.old-"):
			if _, err := os.Lstat(modules); errors.Is(err, os.ErrNotExist) {
				os.Rename(filepath.Join(p, modulesDir), modules)
			}
			os.RemoveAll(p)
		case strings.HasPrefix(name, ".legion_modules.staging-"),
			strings.HasPrefix(name, "."+manifestFile+".tmp-"),
			strings.HasPrefix(name, "."+lockFile+".tmp-"):
			os.RemoveAll(p)
		}
	}
}
