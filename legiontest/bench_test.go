package legiontest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// Run: go test -run '^$' -bench . -benchmem ./legiontest/

func BenchmarkNewServer(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		srv := legiontest.NewServer(b)
		srv.Close()
	}
}

// BenchmarkHTTPTestNewServer is the baseline for BenchmarkNewServer.
func BenchmarkHTTPTestNewServer(b *testing.B) {
	b.ReportAllocs()
	h := http.NotFoundHandler()
	for i := 0; i < b.N; i++ {
		srv := httptest.NewServer(h)
		srv.Close()
	}
}

var benchWords = []string{"http", "json", "cli", "auth", "db", "cache", "log", "test", "crypto", "net"}

// fill adds n packages of versions versions each, with realistic metadata:
// a tenth of them have "http" in their name, others in keywords or
// descriptions.
func fill(tb testing.TB, r *legiontest.Registry, n, versions int) {
	tb.Helper()
	if _, err := r.AddUser("bench", "bench@example.com", "bench-password"); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		w1, w2, w3 := benchWords[i%10], benchWords[(i/10)%10], benchWords[(i/100)%10]
		p := legiontest.SeedPackage{
			Name:        fmt.Sprintf("%s-%s-%05d", w1, w2, i),
			Owner:       "bench",
			Description: fmt.Sprintf("A %s library for %s", w2, w3),
			License:     "MIT",
			Keywords:    []string{w3, w1 + w2},
			Readme:      fmt.Sprintf("# %s-%s\n\nUse it.\n", w1, w2),
			Downloads:   int64(i * 7919 % 10007),
		}
		for v := range versions {
			p.Versions = append(p.Versions, legiontest.SeedVersion{
				Version:      fmt.Sprintf("1.%d.0", v),
				Dependencies: map[string]string{fmt.Sprintf("dep-%d", i%50): "^1.0.0"},
			})
		}
		if err := r.AddPackage(p); err != nil {
			tb.Fatal(err)
		}
	}
}

var (
	benchRegsMu sync.Mutex
	benchRegs   = map[int]*legiontest.Registry{}
)

// registryOf returns a registry of n packages of one version each, built
// once per size and shared by the read-only benchmarks.
func registryOf(b *testing.B, n int) *legiontest.Registry {
	benchRegsMu.Lock()
	defer benchRegsMu.Unlock()
	if r := benchRegs[n]; r != nil {
		return r
	}
	r, err := legiontest.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	fill(b, r, n, 1)
	benchRegs[n] = r
	return r
}

func registry10k(b *testing.B) *legiontest.Registry  { return registryOf(b, 10_000) }
func registry100k(b *testing.B) *legiontest.Registry { return registryOf(b, 100_000) }

func serve(b *testing.B, h http.Handler, target string) {
	b.Helper()
	b.ReportAllocs()
	req := httptest.NewRequest("GET", target, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
}

// BenchmarkSearch10k scores every package: "http" matches 1,000 names and
// 2,000 keywords or descriptions.
func BenchmarkSearch10k(b *testing.B) {
	serve(b, registry10k(b), "/api/v1/search?q=http&limit=20")
}

// BenchmarkSearch100k is BenchmarkSearch10k at ten times the size.
func BenchmarkSearch100k(b *testing.B) {
	serve(b, registry100k(b), "/api/v1/search?q=http&limit=20")
}

// BenchmarkSearchTwoWords10k needs both words to match: "http" and "db"
// (in names, keywords and descriptions).
func BenchmarkSearchTwoWords10k(b *testing.B) {
	serve(b, registry10k(b), "/api/v1/search?q=http+db&limit=20")
}

func BenchmarkSearchTwoWords100k(b *testing.B) {
	serve(b, registry100k(b), "/api/v1/search?q=http+db&limit=20")
}

// BenchmarkList10k sorts every package by downloads to serve one page.
func BenchmarkList10k(b *testing.B) {
	serve(b, registry10k(b), "/api/v1/packages?sort=downloads&page=3&limit=20")
}

func BenchmarkList100k(b *testing.B) {
	serve(b, registry100k(b), "/api/v1/packages?sort=downloads&page=3&limit=20")
}

// BenchmarkList10kFiltered filters by substring, then sorts the matches.
func BenchmarkList10kFiltered(b *testing.B) {
	serve(b, registry10k(b), "/api/v1/packages?q=crypto&sort=name&limit=100")
}

func BenchmarkList100kFiltered(b *testing.B) {
	serve(b, registry100k(b), "/api/v1/packages?q=crypto&sort=name&limit=100")
}

// BenchmarkList10kFilteredDeep is a late page of a filtered listing in
// download order.
func BenchmarkList10kFilteredDeep(b *testing.B) {
	serve(b, registry10k(b), "/api/v1/packages?q=http&sort=downloads&page=10&limit=50")
}

func BenchmarkList100kFilteredDeep(b *testing.B) {
	serve(b, registry100k(b), "/api/v1/packages?q=http&sort=downloads&page=100&limit=50")
}

// BenchmarkSeed100k loads 100,000 packages of one version each with one
// Seed call into an empty registry.
func BenchmarkSeed100k(b *testing.B) {
	const n = 100_000
	s := legiontest.Seed{Users: []legiontest.SeedUser{{Username: "bench", Email: "bench@example.com", Password: "bench-password"}}}
	for i := range n {
		w1, w2, w3 := benchWords[i%10], benchWords[(i/10)%10], benchWords[(i/100)%10]
		s.Packages = append(s.Packages, legiontest.SeedPackage{
			Name:        fmt.Sprintf("%s-%s-%05d", w1, w2, i),
			Owner:       "bench",
			Description: fmt.Sprintf("A %s library for %s", w2, w3),
			License:     "MIT",
			Keywords:    []string{w3, w1 + w2},
			Versions:    []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"dep": "^1.0.0"}}},
			Downloads:   int64(i * 7919 % 10007),
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := legiontest.NewRegistry()
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Seed(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddPackage100k adds 100,000 packages one AddPackage call at a
// time, as fill does.
func BenchmarkAddPackage100k(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := legiontest.NewRegistry()
		if err != nil {
			b.Fatal(err)
		}
		fill(b, r, 100_000, 1)
	}
}

func BenchmarkGetPackage(b *testing.B) {
	r, err := legiontest.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	fill(b, r, 10, 5)
	serve(b, r, "/api/v1/packages/http-http-00000")
}

// BenchmarkGetPackageBare serves the bytes BenchmarkGetPackage answers from
// a handler that does nothing else: the floor for comparison.
func BenchmarkGetPackageBare(b *testing.B) {
	r, err := legiontest.NewRegistry()
	if err != nil {
		b.Fatal(err)
	}
	fill(b, r, 10, 5)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/packages/http-http-00000", nil))
	body := rec.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(200)
		_, _ = w.Write(body)
	})
	serve(b, bare, "/api/v1/packages/http-http-00000")
}

// BenchmarkMemory10kx5 reports the live heap of a registry holding 10,000
// packages of 5 versions each, its search and listing index built.
func BenchmarkMemory10kx5(b *testing.B) {
	var total int64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, err := legiontest.NewRegistry()
		if err != nil {
			b.Fatal(err)
		}
		fill(b, r, 10000, 5)
		for _, target := range []string{"/api/v1/search?q=http", "/api/v1/packages?q=http"} {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
			if rec.Code != 200 {
				b.Fatalf("%s: %d", target, rec.Code)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		total += int64(after.HeapAlloc) - int64(before.HeapAlloc)
		runtime.KeepAlive(r)
	}
	b.ReportMetric(float64(total)/float64(b.N), "heap-bytes")
	b.ReportMetric(float64(total)/float64(b.N)/10000, "heap-bytes/pkg")
}
