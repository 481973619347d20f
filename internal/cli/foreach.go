package cli

import (
	"context"
	"errors"
	"sync"
)

// defaultConcurrency is how many requests run at once unless --concurrency
// says otherwise.
const defaultConcurrency = 16

// forEach runs fn for 0..n-1 with at most limit at once (defaultConcurrency
// when limit is 0). The first failure cancels the others; the error
// returned is the failure of the lowest index that did not fail merely from that
// cancellation, so the message does not depend on scheduling.
func forEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	if limit <= 0 {
		limit = defaultConcurrency
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				errs[i] = err
				cancel()
			}
		}(i)
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return first
}
