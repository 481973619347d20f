package cli

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// seedWide publishes n packages p000…, each in two versions, each version
// depending on the next few packages, so an install of p000 resolves all n.
func seedWide(tb testing.TB, srv *legiontest.Server, n int) {
	tb.Helper()
	if _, err := srv.AddUser("bob", "bob@example.com", "password123"); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		deps := map[string]string{}
		for j := i + 1; j < n && j <= i+3; j++ {
			deps[fmt.Sprintf("p%03d", j)] = "^1.0.0"
		}
		err := srv.AddPackage(legiontest.SeedPackage{
			Name: fmt.Sprintf("p%03d", i), Owner: "bob", Description: "package", Readme: "# readme\n",
			Versions: []legiontest.SeedVersion{
				{Version: "1.0.0", Dependencies: deps},
				{Version: "1.1.0", Dependencies: deps},
				{Version: "2.0.0"},
			},
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// TestInProcessInstallWide runs install in-process (so the race detector
// sees the concurrent resolution and staging) over a graph of 40 packages.
func TestInProcessInstallWide(t *testing.T) {
	t.Parallel()
	srv := legiontest.NewServer(t)
	seedWide(t, srv, 40)
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "LEGION_REGISTRY": srv.URL}
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "init", "wide"); code != 0 {
		t.Fatal(errs)
	}
	out, errs, code := runInProcess(t, dir, env, "", "pkg", "install", "p000@^1")
	if code != 0 {
		t.Fatalf("install: %d %s", code, errs)
	}
	if !strings.HasPrefix(out, "added 40 packages in ") {
		t.Errorf("install printed:\n%s", out)
	}
	l, _, err := readLock(dir)
	if err != nil || len(l.Packages) != 40 || l.Packages["p039"].Version != "1.1.0" {
		t.Fatalf("lock: %v %v", l, err)
	}
	// Requests: one versions list and one download per package, no more.
	var lists, downloads int
	for _, r := range srv.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/versions"):
			lists++
		case strings.HasSuffix(r.Path, "/download"):
			downloads++
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
	}
	if lists != 40 || downloads != 40 {
		t.Errorf("%d version lists and %d downloads, want 40 and 40", lists, downloads)
	}
	// Rate limiting (a 429 asking for longer than the SDK waits) is exit 6,
	// and the project stays as it was.
	before := snapshot(t, dir)
	remove := srv.AddFault(legiontest.Fault{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}}})
	_, errs, code = runInProcess(t, dir, env, "", "pkg", "install", "p001@^2")
	if code != ExitRateLimit || !strings.HasPrefix(errs, "legion: install: listing versions of p001: ") {
		t.Errorf("rate limited: exit %d, stderr %q", code, errs)
	}
	remove()
	sameSnapshot(t, before, snapshot(t, dir), "rate-limited install")

}

func TestInProcessConflictOnDirectAndTransitive(t *testing.T) {
	t.Parallel()
	srv := legiontest.NewServer(t)
	seedWide(t, srv, 5)
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "LEGION_REGISTRY": srv.URL}
	runInProcess(t, dir, env, "", "pkg", "init", "app")
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "install", "p000@^1"); code != 0 {
		t.Fatal(errs)
	}
	_, errs, code := runInProcess(t, dir, env, "", "pkg", "install", "p004@^2")
	if code != ExitConflict {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "legion: install: no set of versions satisfies every dependency:\n" +
		"Because p000 <2.0.0 depends on p001 ^1.0.0 which depends on p004 ^1.0.0, p000 <2.0.0 requires p004 ^1.0.0.\n" +
		"So, because app depends on both p000 ^1 and p004 ^2, version solving failed.\n"
	if !strings.HasPrefix(errs, want) {
		t.Errorf("stderr:\n%s\nwant prefix:\n%s", errs, want)
	}
}

// BenchmarkInstall measures a cold install (resolve, fetch, stage, swap)
// of N packages from the in-process fake registry, and the no-op re-run.
//
//	go test ./internal/cli/ -run '^$' -bench Install -benchtime 10x
func BenchmarkInstall(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		srv := legiontest.NewServer(b)
		seedWide(b, srv, n)
		b.Run(fmt.Sprintf("cold/%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				env := map[string]string{"HOME": dir, "LEGION_REGISTRY": srv.URL}
				os.WriteFile(filepath.Join(dir, manifestFile), []byte(`{"name":"bench","dependencies":{"p000":"^1"}}`), 0o644)
				b.StartTimer()
				if _, errs, code := runInProcess(b, dir, env, "", "pkg", "install"); code != 0 {
					b.Fatal(errs)
				}
			}
		})
		b.Run(fmt.Sprintf("noop/%d", n), func(b *testing.B) {
			dir := b.TempDir()
			env := map[string]string{"HOME": dir, "LEGION_REGISTRY": srv.URL}
			os.WriteFile(filepath.Join(dir, manifestFile), []byte(`{"name":"bench","dependencies":{"p000":"^1"}}`), 0o644)
			if _, errs, code := runInProcess(b, dir, env, "", "pkg", "install"); code != 0 {
				b.Fatal(errs)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, errs, code := runInProcess(b, dir, env, "", "pkg", "install"); code != 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
