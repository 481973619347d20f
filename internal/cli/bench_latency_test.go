package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// seedTree publishes a tree of depth levels: width packages per level
// (t<level>-<i>), each in versions 1.0.0 and 1.1.0, each depending on two
// packages of the next level. The project depends on every package of level
// 0, so a resolution needs levels serial round trips at least.
func seedTree(tb testing.TB, srv *legiontest.Server, levels, width int) (manifest string) {
	tb.Helper()
	if _, err := srv.AddUser("bob", "bob@example.com", "password123"); err != nil {
		tb.Fatal(err)
	}
	name := func(level, i int) string { return fmt.Sprintf("t%02d-%02d", level, i%width) }
	for level := 0; level < levels; level++ {
		for i := 0; i < width; i++ {
			deps := map[string]string{}
			if level+1 < levels {
				deps[name(level+1, i)] = "^1.0.0"
				deps[name(level+1, i+1)] = "^1.0.0"
			}
			err := srv.AddPackage(legiontest.SeedPackage{
				Name: name(level, i), Owner: "bob", Description: "package", Readme: "# readme\n",
				Versions: []legiontest.SeedVersion{
					{Version: "1.0.0", Dependencies: deps},
					{Version: "1.1.0", Dependencies: deps},
				},
			})
			if err != nil {
				tb.Fatal(err)
			}
		}
	}
	m := `{"name":"bench","dependencies":{`
	for i := 0; i < width; i++ {
		if i > 0 {
			m += ","
		}
		m += strconv.Quote(name(0, i)) + `:"^1"`
	}
	return m + "}}"
}

// BenchmarkInstallLatency measures a cold install of a 200-package tree of
// depth 10 against the fake registry answering every GET after a latency.
// It reports the requests made and the time as a multiple of the floor:
// the larger of (depth + 1) × latency (one round trip per level to
// resolve, one to fetch) and requests ÷ concurrency × latency (the
// requests cannot all run at once). The bounds: xfloor ≤ 1.3 and
// requests ≤ packages + installed versions (2 × 200).
//
//	go test ./internal/cli/ -run '^$' -bench InstallLatency -benchtime 3x
func BenchmarkInstallLatency(b *testing.B) {
	const (
		depth   = 10
		width   = 20
		latency = 50 * time.Millisecond
	)
	srv := legiontest.NewServer(b)
	manifest := seedTree(b, srv, depth, width)
	install := func(b *testing.B, args []string) (elapsed time.Duration, requests int) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := b.TempDir()
			env := map[string]string{"HOME": dir, "LEGION_REGISTRY": srv.URL}
			if err := os.WriteFile(filepath.Join(dir, manifestFile), []byte(manifest), 0o644); err != nil {
				b.Fatal(err)
			}
			srv.ResetRequests()
			b.StartTimer()
			start := time.Now()
			if _, errs, code := runInProcess(b, dir, env, "", args...); code != 0 {
				b.Fatal(errs)
			}
			elapsed += time.Since(start)
			requests += len(srv.Requests())
		}
		return elapsed / time.Duration(b.N), requests / b.N
	}
	// The same install without latency, in the same run: the local cost
	// (writing 200 modules, the solver) that no network floor includes.
	var local time.Duration
	b.Run("latency=0", func(b *testing.B) {
		local, _ = install(b, []string{"pkg", "install"})
	})
	srv.AddFault(legiontest.Fault{Method: http.MethodGet, Latency: latency})
	for _, conc := range []int{0, 16, 64} {
		name := "concurrency=default"
		args := []string{"pkg", "install"}
		slots := defaultConcurrency
		if conc > 0 {
			name = fmt.Sprintf("concurrency=%d", conc)
			args = append(args, "--concurrency", strconv.Itoa(conc))
			slots = conc
		}
		b.Run(name, func(b *testing.B) {
			elapsed, requests := install(b, args)
			floor := max(time.Duration(depth+1)*latency, time.Duration(requests)*latency/time.Duration(slots))
			b.ReportMetric(float64(requests), "requests/op")
			b.ReportMetric(float64(floor)/1e6, "floor-ms")
			b.ReportMetric(float64(local)/1e6, "local-ms")
			b.ReportMetric(float64(elapsed)/float64(floor), "xfloor")
			b.ReportMetric(float64(elapsed-local)/float64(floor), "xfloor-net")
		})
	}
}

// BenchmarkResolveLatency measures the resolution alone (the solver and
// its speculative fetching, no downloads, no legion_modules) of the same
// tree at the same latency. Its floor is the larger of depth × latency
// (one round trip per level) and requests ÷ concurrency × latency; it
// makes one request per package.
//
//	go test ./internal/cli/ -run '^$' -bench ResolveLatency -benchtime 3x
func BenchmarkResolveLatency(b *testing.B) {
	const (
		depth   = 10
		width   = 20
		latency = 50 * time.Millisecond
	)
	srv := legiontest.NewServer(b)
	manifest := seedTree(b, srv, depth, width)
	m, err := ParseManifest([]byte(manifest))
	if err != nil {
		b.Fatal(err)
	}
	srv.AddFault(legiontest.Fault{Method: http.MethodGet, Latency: latency})
	c, err := legion.NewClient(legion.WithBaseURL(srv.URL))
	if err != nil {
		b.Fatal(err)
	}
	for _, conc := range []int{16, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var elapsed time.Duration
			var requests int
			for i := 0; i < b.N; i++ {
				srv.ResetRequests()
				start := time.Now()
				s := &Solver{Root: "bench", Source: registrySource{c}, Concurrency: conc}
				res, err := s.Solve(context.Background(), m.Dependencies)
				if err != nil || len(res.Packages) != depth*width {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				requests += len(srv.Requests())
			}
			perOp := time.Duration(requests/b.N) * latency / time.Duration(conc)
			floor := max(time.Duration(depth)*latency, perOp)
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(floor)/1e6, "floor-ms")
			b.ReportMetric(float64(elapsed)/float64(b.N)/float64(floor), "xfloor")
		})
	}
}
