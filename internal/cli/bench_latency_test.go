package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

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
// It reports the requests made and the time as a multiple of the floor,
// (depth + 1) × latency: one round trip per level to resolve, one to fetch.
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
	srv.AddFault(legiontest.Fault{Method: http.MethodGet, Latency: latency})
	floor := time.Duration(depth+1) * latency
	for _, conc := range []int{0, 16, 64} {
		name := "concurrency=default"
		args := []string{"pkg", "install"}
		if conc > 0 {
			name = fmt.Sprintf("concurrency=%d", conc)
			args = append(args, "--concurrency", strconv.Itoa(conc))
		}
		b.Run(name, func(b *testing.B) {
			var requests int
			var elapsed time.Duration
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
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(elapsed)/float64(b.N)/float64(floor), "xfloor")
		})
	}
}
