package main

import (
	"context"
	"sync"
	"time"
)

// fetches runs the registry reads of one page concurrently, within the
// page's wait, and keeps the oldest stale time among them.
type fetches struct {
	ctx   context.Context
	wg    sync.WaitGroup
	mu    sync.Mutex
	stale time.Time
	errs  []error // in the order the reads were added, for a stable error page
}

// goFetch runs one read; it returns the stale time of its answer, zero
// when fresh.
func (f *fetches) goFetch(read func(ctx context.Context) (time.Time, error)) {
	f.mu.Lock()
	i := len(f.errs)
	f.errs = append(f.errs, nil)
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		st, err := read(f.ctx)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.errs[i] = err
		f.stale = staler(f.stale, st)
	}()
}

// wait waits for every read and returns the first error, in the order the
// reads were added.
func (f *fetches) wait() (stale time.Time, err error) {
	f.wg.Wait()
	for _, err := range f.errs {
		if err != nil {
			return f.stale, err
		}
	}
	return f.stale, nil
}
