package main

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// distinctSearches is how many different searches BenchmarkCacheMemory
// makes (the 4,960).
const distinctSearches = 4960

// searchQuery is the i-th of 5,120 distinct queries that each match more
// than 100 packages of the benchmark's registry, so that each answer is
// a full 100 results: "legion big 0" in its case variants, for each
// digit.
func searchQuery(i int) string {
	word := []byte("legionbig")
	for b := range word {
		if (i/10)>>b&1 == 1 {
			word[b] -= 'a' - 'A'
		}
	}
	return string(word[:6]) + " " + string(word[6:]) + " " + fmt.Sprint(i%10)
}

// BenchmarkCacheMemory makes 4,960 distinct searches, each answered with
// 100 packages, and reports the heap that remains afterwards (after a
// GC, less the heap before the searches) with the cache unbounded and
// bounded, and the cache's own estimate of what it holds.
//
//	go test -run '^$' -bench CacheMemory -benchtime 1x
func BenchmarkCacheMemory(b *testing.B) {
	seed := legiontest.Seed{Users: []legiontest.SeedUser{{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"}}}
	for i := range 2000 {
		seed.Packages = append(seed.Packages, legiontest.SeedPackage{
			Name: fmt.Sprintf("legion-big-%05d", i), Owner: "bob", Downloads: int64(i),
			Description: "a package of the big registry, number " + fmt.Sprint(i) + strings.Repeat(", described at length", 5),
			Keywords:    []string{"big", "legion", fmt.Sprint(i % 10)},
			Versions:    []legiontest.SeedVersion{{Version: "1.0.0", PublishedAt: day}},
		})
	}
	reg := legiontest.NewServer(b, legiontest.WithSeed(seed))
	for _, bound := range []int64{math.MaxInt64, defaultCacheBytes, 16 << 20} {
		name := fmt.Sprintf("bound=%dMiB", bound>>20)
		if bound == math.MaxInt64 {
			name = "bound=none"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				srv := newServer(reg.Client(), time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
				srv.cache.maxBytes = bound
				before := heapInUse()
				for i := range distinctSearches {
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, httptest.NewRequest("GET", "/search?q="+url.QueryEscape(searchQuery(i)), nil))
					if w.Code != 200 || !strings.Contains(w.Body.String(), "the best 100") {
						b.Fatalf("%s: status %d", searchQuery(i), w.Code)
					}
				}
				b.ReportMetric(float64(heapInUse()-before)/(1<<20), "heap-MiB")
				b.ReportMetric(float64(srv.cache.bytes)/(1<<20), "estimate-MiB")
				b.ReportMetric(float64(len(srv.cache.entries)), "entries")
				runtime.KeepAlive(srv)
			}
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
