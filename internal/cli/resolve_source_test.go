package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// gatedSource answers a versions list only when the test opens its gate,
// so the test sees which requests the solver has in flight at once.
type gatedSource struct {
	*memSource
	mu      sync.Mutex
	waiting map[string]chan struct{}
	changed chan struct{}
}

func (s *gatedSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.waiting[name] = gate
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	select {
	case <-gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.memSource.Versions(ctx, name)
}

// TestResolveFetchesALevelAtATime: the solver decides one package at a
// time, yet every list of a level of the tree is requested before any of
// them is answered: a tree costs one round trip per level.
func TestResolveFetchesALevelAtATime(t *testing.T) {
	t.Parallel()
	const levels, width = 4, 3
	name := func(level, i int) string { return fmt.Sprintf("l%d-%d", level, i%width) }
	pkgs := map[string]map[string]deps{}
	root := deps{}
	for level := 0; level < levels; level++ {
		for i := 0; i < width; i++ {
			d := deps{}
			if level+1 < levels {
				d[name(level+1, i)] = "^1"
				d[name(level+1, i+1)] = "^1"
			}
			pkgs[name(level, i)] = map[string]deps{"1.0.0": d, "1.1.0": d}
			if level == 0 {
				root[name(level, i)] = "^1"
			}
		}
	}
	src := &gatedSource{memSource: &memSource{pkgs: pkgs}, waiting: map[string]chan struct{}{}, changed: make(chan struct{}, 1)}
	done := make(chan error, 1)
	go func() {
		res, err := (&Solver{Root: "app", Source: src}).Solve(context.Background(), root)
		if err == nil && len(res.Packages) != levels*width {
			err = fmt.Errorf("resolved %d packages", len(res.Packages))
		}
		done <- err
	}()
	for level := 0; level < levels; level++ {
		var want []string
		for i := 0; i < width; i++ {
			want = append(want, name(level, i))
		}
		deadline := time.After(10 * time.Second)
		for {
			src.mu.Lock()
			got := slices.Sorted(maps.Keys(src.waiting))
			src.mu.Unlock()
			if slices.Equal(got, want) {
				break
			}
			select {
			case <-src.changed:
			case <-time.After(10 * time.Millisecond):
			case <-deadline:
				t.Fatalf("level %d: in flight %q, want all of %q at once", level, got, want)
			}
		}
		src.mu.Lock()
		for n, gate := range src.waiting {
			close(gate)
			delete(src.waiting, n)
		}
		src.mu.Unlock()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
