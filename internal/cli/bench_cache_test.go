package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// BenchmarkInstallCache measures what the shared cache saves on the
// 200-package, depth-10 tree, every GET answered after 50 ms: a cold
// install (empty cache), a second project with the same legion.json and
// legion.lock and a warm cache (plain and --frozen), and --frozen with the
// registry down. It reports requests per install and milliseconds per
// install; compare the rows of one run.
//
//	go test ./internal/cli/ -run '^$' -bench InstallCache -benchtime 3x
func BenchmarkInstallCache(b *testing.B) {
	const latency = 50 * time.Millisecond
	srv := legiontest.NewServer(b)
	manifest := seedTree(b, srv, 10, 20)
	srv.AddFault(legiontest.Fault{Method: http.MethodGet, Latency: latency})

	// One project installed online gives the lock the others use.
	warm := b.TempDir()
	env := map[string]string{"HOME": warm, "LEGION_REGISTRY": srv.URL, "LEGION_CACHE": filepath.Join(warm, "cache")}
	os.WriteFile(filepath.Join(warm, manifestFile), []byte(manifest), 0o644)
	if _, errs, code := runInProcess(b, warm, env, "", "pkg", "install", "--concurrency", "64"); code != 0 {
		b.Fatal(errs)
	}
	lock, err := os.ReadFile(filepath.Join(warm, lockFile))
	if err != nil {
		b.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		cache    string // "" for a new, empty one
		registry string
		args     []string
	}{
		{"cold", "", srv.URL, []string{"pkg", "install", "--concurrency", "64"}},
		{"warm", env["LEGION_CACHE"], srv.URL, []string{"pkg", "install"}},
		{"warm-frozen", env["LEGION_CACHE"], srv.URL, []string{"pkg", "install", "--frozen"}},
		{"warm-frozen-registry-down", env["LEGION_CACHE"], "http://127.0.0.1:1/api/v1", []string{"pkg", "install", "--frozen"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var requests int
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				cache := tc.cache
				if cache == "" {
					cache = filepath.Join(dir, "cache")
				}
				env := map[string]string{"HOME": dir, "LEGION_REGISTRY": tc.registry, "LEGION_CACHE": cache}
				os.WriteFile(filepath.Join(dir, manifestFile), []byte(manifest), 0o644)
				os.WriteFile(filepath.Join(dir, lockFile), lock, 0o644)
				srv.ResetRequests()
				b.StartTimer()
				start := time.Now()
				if _, errs, code := runInProcess(b, dir, env, "", tc.args...); code != 0 {
					b.Fatal(errs)
				}
				elapsed += time.Since(start)
				requests += len(srv.Requests())
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/install")
		})
	}
}
