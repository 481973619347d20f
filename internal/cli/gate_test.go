package cli

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// The behaviour CI gates on: --frozen, audit, signals, permissions, one
// writer.

func TestInstallFrozen(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.2.0")
	good := p.read(lockFile)
	// A lock in another layout than legion's own: --frozen installs it as
	// it is and never rewrites it.
	compact := strings.Join(strings.Fields(good), "")
	p.write(lockFile, compact)
	os.RemoveAll(filepath.Join(p.dir, modulesDir))
	r := p.ok("pkg", "install", "--frozen")
	if !strings.HasPrefix(r.stdout, "added 3 packages in ") {
		t.Errorf("frozen install printed %q", r.stdout)
	}
	if got := p.read(lockFile); got != compact {
		t.Errorf("--frozen rewrote the lock:\n%s", got)
	}
	if v := installedVersion(p.dir, "legion-core"); v != "1.4.0" {
		t.Errorf("installed legion-core %q, want the locked 1.4.0", v)
	}

	for _, tc := range []struct {
		name, lock, want string
		code             int
	}{
		{"version outside the range", strings.Replace(good, `"version": "1.4.0"`, `"version": "9.9.9"`, 1),
			"legion.lock has legion-core@9.9.9, outside myapp → legion-http@1.2.0 → legion-core@^1.1.0", ExitError},
		{"version the registry does not have", strings.Replace(good, `"version": "1.4.0"`, `"version": "1.9.9"`, 1),
			"legion.lock names a version the registry does not have", ExitNotFound},
		{"missing", "", "legion.lock is missing", ExitError},
		{"package nothing needs", strings.Replace(good, `"packages": {`, `"packages": {"legion-json": {"version": "1.0.0"},`, 1),
			"legion.lock has legion-json@1.0.0, which nothing in legion.json needs", ExitError},
	} {
		os.RemoveAll(filepath.Join(p.dir, modulesDir))
		os.Remove(filepath.Join(p.dir, lockFile))
		if tc.lock != "" {
			p.write(lockFile, tc.lock)
		}
		before := snapshot(t, p.dir)
		r := p.fails(tc.code, "pkg", "install", "--frozen")
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: stderr %q, want %q", tc.name, r.stderr, tc.want)
		}
		sameSnapshot(t, before, snapshot(t, p.dir), "install --frozen with a lock whose "+tc.name)
	}
	p.fails(ExitUsage, "pkg", "install", "--frozen", "legion-json")
}

// TestAuditChecksInstalledVersions: a direct dependency is audited at its
// locked version, not by its range.
func TestAuditChecksInstalledVersions(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	if err := fx.srv.AddAdvisory(legiontest.SeedAdvisory{
		ID: "LEGION-2025-0002", Package: "legion-core", Affected: "<1.4.0", Severity: legion.SeverityCritical,
		Title: "Fixed in 1.4.0",
	}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.write(manifestFile, `{"name":"myapp","dependencies":{"legion-core":"^1.0.0"}}`)
	// Not installed: checked by range, listed, not failing.
	r := p.ok("pkg", "audit")
	if !strings.Contains(r.stdout, "LEGION-2025-0002") || !strings.Contains(r.stdout, "not installed, checked by range (does not fail the audit): legion-core") {
		t.Errorf("audit before install printed:\n%s", r.stdout)
	}
	p.ok("pkg", "install") // legion-core@1.4.0, which the advisory does not affect
	r = p.ok("pkg", "audit")
	if r.stdout != "no advisories in 1 dependency scanned\n" {
		t.Errorf("audit of the fixed 1.4.0 printed:\n%s", r.stdout)
	}
	// A hand-edited lock that no longer says what is installed: the audit
	// refuses to audit the lock in place of legion_modules.
	p.write(lockFile, strings.Replace(p.read(lockFile), "1.4.0", "1.1.0", 1))
	r = p.fails(ExitError, "pkg", "audit")
	if !strings.Contains(r.stderr, "legion_modules does not match legion.lock: legion-core@1.1.0: installed 1.4.0") {
		t.Errorf("audit of a lock that disagrees with legion_modules: %v", r)
	}
	// Without legion_modules, the lock is audited: its affected 1.1.0 fails.
	if err := os.RemoveAll(filepath.Join(p.dir, modulesDir)); err != nil {
		t.Fatal(err)
	}
	r = p.fails(ExitAdvisory, "pkg", "audit")
	if !strings.Contains(r.stdout, "legion-core  1.1.0") {
		t.Errorf("audit of a locked 1.1.0 printed:\n%s", r.stdout)
	}
}

// TestInstallLatest: pkg@latest is the registry's latest, written as
// ^<it>; when another range excludes it, the install fails with the chains.
func TestInstallLatest(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.2.0")
	before := snapshot(t, p.dir)
	r := p.fails(ExitConflict, "pkg", "install", "legion-core@latest")
	want := "legion: install: the latest legion-core is 2.0.0, which another range in the tree excludes: no set of versions satisfies every dependency:\n" +
		"Because legion-http >=1.2.0 depends on legion-core ^1.1.0 and myapp depends on legion-core 2.0.0, legion-http >=1.2.0 is forbidden.\n" +
		"So, because myapp depends on legion-http ^1.2.0, version solving failed.\n"
	if !strings.HasPrefix(r.stderr, want) {
		t.Errorf("stderr:\n%s\nwant prefix:\n%s", r.stderr, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install of an excluded latest")

	q := newProject(t, fx)
	q.ok("pkg", "init")
	q.ok("pkg", "install", "legion-core@latest")
	if m := q.read(manifestFile); !strings.Contains(m, `"legion-core": "^2.0.0"`) {
		t.Errorf("legion.json:\n%s", m)
	}
}

// TestInstallMissingDependencyNamesChain: a dependency the registry does
// not have is reported with the chain that needs it.
func TestInstallMissingDependencyNamesChain(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	if err := fx.srv.AddPackage(legiontest.SeedPackage{Name: "needs-ghost", Owner: "alice",
		Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"ghost-pkg": "^1"}}}}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	p.ok("pkg", "init")
	r := p.fails(ExitNotFound, "pkg", "install", "needs-ghost@^1")
	if want := "Because myapp depends on needs-ghost ^1 which depends on ghost-pkg which doesn't exist, version solving failed."; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
}

// TestSignalsStopCleanly sends SIGINT and SIGTERM to the built binary in
// the middle of its downloads: it stops, exits 130 or 143, and leaves the
// project as it was. A SIGKILLed run's staging directory is removed by the
// next run.
func TestSignalsStopCleanly(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	before := snapshot(t, p.dir)
	remove := fx.srv.AddFault(legiontest.Fault{Method: http.MethodGet, Path: "/packages/*/*/download", Latency: time.Minute})
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGKILL, -1}} {
		cmd := p.command("pkg", "install", "legion-http@^1.2.0")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return len(stagingDirs(t, p.dir)) > 0 })
		cmd.Process.Signal(tc.sig)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.sig, code, tc.code, errb.String())
		}
		if tc.sig == syscall.SIGKILL {
			if len(stagingDirs(t, p.dir)) == 0 {
				t.Fatal("SIGKILL: no staging directory left to clean up")
			}
			continue
		}
		if !strings.HasPrefix(errb.String(), "legion: install: ") || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("%v: stderr %q", tc.sig, errb.String())
		}
		sameSnapshot(t, before, snapshot(t, p.dir), "install stopped by "+tc.sig.String())
	}
	remove()
	p.ok("pkg", "install", "legion-http@^1.2.0")
	if left := stagingDirs(t, p.dir); len(left) > 0 {
		t.Errorf("after a later run, left behind: %q", left)
	}
}

func stagingDirs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".legion_modules.staging-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// TestModesFollowUmask installs under umasks 002 and 022 and checks the
// modes of legion_modules, what is in it, and legion.lock.
func TestModesFollowUmask(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, tc := range []struct {
		umask     string
		dir, file fs.FileMode
	}{{"002", 0o775, 0o664}, {"022", 0o755, 0o644}} {
		p := newProject(t, fx)
		p.ok("pkg", "init")
		cmd := p.command()
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", "umask " + tc.umask + " && exec \"$0\" pkg install legion-core@^1", legionBin}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("umask %s: %v\n%s", tc.umask, err, out)
		}
		for path, want := range map[string]fs.FileMode{
			modulesDir: tc.dir, modulesDir + "/legion-core": tc.dir,
			modulesDir + "/legion-core/legion.json": tc.file, lockFile: tc.file,
		} {
			fi, err := os.Stat(filepath.Join(p.dir, path))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("umask %s: %s has mode %v, want %v", tc.umask, path, got, want)
			}
		}
	}
}

// TestReadOnlyManifestIsRefused: an install that would change a read-only
// legion.json fails and changes nothing.
func TestReadOnlyManifestIsRefused(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@^1")
	if err := os.Chmod(filepath.Join(p.dir, manifestFile), 0o444); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, p.dir)
	r := p.fails(ExitError, "pkg", "install", "legion-json")
	if !strings.Contains(r.stderr, "legion.json is read-only") {
		t.Errorf("stderr %q", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install into a read-only legion.json")
}

// TestOneWriter runs two installs on one project at once, in-process: the
// second waits for the first and both additions survive; with a short
// wait, the second fails saying another run holds the project.
func TestOneWriter(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "LEGION_REGISTRY": fx.srv.URL, "LEGION_LOCK_WAIT": "30s"}
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "init", "app"); code != 0 {
		t.Fatal(errs)
	}
	remove := fx.srv.AddFault(legiontest.Fault{Method: http.MethodGet, Path: "/packages/*/*/download", Latency: 300 * time.Millisecond})
	var wg sync.WaitGroup
	for _, pkg := range []string{"legion-core@^1", "legion-log@^1"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, errs, code := runInProcess(t, dir, env, "", "pkg", "install", pkg); code != 0 {
				t.Errorf("install %s: exit %d: %s", pkg, code, errs)
			}
		}()
	}
	wg.Wait()
	m, _, err := readManifest(dir)
	if err != nil || m.Dependencies["legion-core"] == "" || m.Dependencies["legion-log"] == "" {
		t.Errorf("an update was lost: %v %v", m.Dependencies, err)
	}
	remove()

	// A run that holds the project (here: this test) makes another fail.
	a := &app{env: Env{Dir: dir, LookupEnv: func(string) (string, bool) { return "", false }}}
	release, err := a.lockProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env["LEGION_LOCK_WAIT"] = "100ms"
	_, errs, code := runInProcess(t, dir, env, "", "pkg", "install", "legion-json")
	if code == 0 || !strings.Contains(errs, "another legion run holds the project") {
		t.Errorf("install while the project is held: exit %d, %q", code, errs)
	}
	release()
	if _, errs, code := runInProcess(t, dir, env, "", "pkg", "install", "legion-json"); code != 0 {
		t.Errorf("install after release: %s", errs)
	}
}

// TestOneWriterAcrossProcesses: while one legion process installs, a
// second on the same project fails saying another run holds it, and
// changes nothing.
func TestOneWriterAcrossProcesses(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	remove := fx.srv.AddFault(legiontest.Fault{Method: http.MethodGet, Path: "/packages/*/*/download", Latency: time.Minute})
	defer remove()
	first := p.command("pkg", "install", "legion-core@^1")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		first.Process.Signal(syscall.SIGTERM)
		first.Wait()
	}()
	waitFor(t, func() bool { return len(stagingDirs(t, p.dir)) > 0 })
	manifest := p.read(manifestFile)
	p.env = append(p.env, "LEGION_LOCK_WAIT=200ms")
	r := p.fails(ExitError, "pkg", "install", "legion-json")
	if !strings.Contains(r.stderr, "another legion run holds the project") {
		t.Errorf("stderr %q", r.stderr)
	}
	if got := p.read(manifestFile); got != manifest {
		t.Errorf("the refused run changed legion.json:\n%s", got)
	}
}
