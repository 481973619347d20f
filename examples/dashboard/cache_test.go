package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newCache(time.Minute)
	c.max = 5
	for i := range 50 {
		key := fmt.Sprint("search ", i)
		v, _, err := load(context.Background(), c, key, func(context.Context) (int, error) { return i, nil })
		if err != nil || v != i {
			t.Fatalf("%s: %d, %v", key, v, err)
		}
	}
	if n := len(c.entries); n > c.max {
		t.Errorf("%d entries kept, want at most %d", n, c.max)
	}
	// The newest answer is always kept.
	if _, ok := c.entries["search 49"]; !ok {
		t.Error("the last answer was not kept")
	}
}
