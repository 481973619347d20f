//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// runBounded runs legion and fails the test if it has not finished within
// a minute: what it guards against is a run that never ends.
func (p *project) runBounded(args ...string) result {
	p.t.Helper()
	cmd := p.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	var killed atomic.Bool
	timer := time.AfterFunc(time.Minute, func() { killed.Store(true); cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	if killed.Load() {
		p.t.Fatalf("legion %s never finished (killed after a minute)", strings.Join(args, " "))
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// TestFIFOInTreeDoesNotHang: a FIFO where a module's legion.json belongs
// (a restored CI cache, a tarball, another user) must not block install,
// list or audit forever, and --frozen replaces the module; a legion.lock
// that is a symlink to a FIFO or to /dev/zero is refused, not read.
func TestFIFOInTreeDoesNotHang(t *testing.T) {
	t.Parallel()
	_, p := installedHTTP(t)
	meta := filepath.Join(p.dir, modulesDir, "legion-log", manifestFile)
	good, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(meta)
	if err := syscall.Mkfifo(meta, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"pkg", "list"}, {"pkg", "audit"}} {
		if r := p.runBounded(args...); r.code != ExitError || !strings.Contains(r.stderr, "legion-log") {
			t.Errorf("legion %s with a FIFO in legion_modules: %v", strings.Join(args, " "), r)
		}
	}
	if r := p.runBounded("pkg", "install", "--frozen"); r.code != 0 {
		t.Fatalf("install --frozen over a FIFO: %v", r)
	}
	if b, err := os.ReadFile(meta); err != nil || !bytes.Equal(b, good) {
		t.Errorf("legion-log's legion.json after --frozen: %q, %v", b, err)
	}

	fifo := filepath.Join(p.home, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{fifo, "/dev/zero"} {
		os.Remove(filepath.Join(p.dir, lockFile))
		if err := os.Symlink(target, filepath.Join(p.dir, lockFile)); err != nil {
			t.Fatal(err)
		}
		if r := p.runBounded("pkg", "install", "--frozen"); r.code != ExitError || !strings.Contains(r.stderr, "not a regular file") {
			t.Errorf("legion.lock → %s: %v", target, r)
		}
	}
}

// TestBrokenModulesAreRepairedNotAdded: a module directory that lost its
// legion.json, or whose legion.json is a symlink (to a good copy outside
// the project, even), is a modified module: list says so, and --frozen
// names it as replaced (not as a package "added"), never touching what the
// symlink points to.
func TestBrokenModulesAreRepairedNotAdded(t *testing.T) {
	t.Parallel()
	_, p := installedHTTP(t)
	mods := filepath.Join(p.dir, modulesDir)
	if err := os.Remove(filepath.Join(mods, "legion-http", manifestFile)); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(p.home, "log-legion.json")
	meta := filepath.Join(mods, "legion-log", manifestFile)
	if err := os.Rename(meta, outside); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, meta); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(outside)

	r := p.fails(ExitError, "pkg", "list")
	if n := strings.Count(r.stdout, "modified: its files do not match legion.lock"); n != 2 || strings.Contains(r.stdout, "missing") {
		t.Errorf("list: %v", r)
	}
	r = p.ok("pkg", "install", "--frozen")
	want := "! legion-http@1.2.0: its files did not match legion.lock; replaced\n" +
		"! legion-log@0.3.2: its files did not match legion.lock; replaced\n"
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "\nrepaired 2 packages in ") || strings.Contains(r.stdout, "added") {
		t.Errorf("--frozen over broken modules printed:\n%s\nwant:\n%srepaired 2 packages in …", r.stdout, want)
	}
	if fi, err := os.Lstat(meta); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("legion-log's legion.json after --frozen: %v, %v", fi, err)
	}
	if b, _ := os.ReadFile(outside); !bytes.Equal(b, good) {
		t.Error("the symlink's target outside the project was changed")
	}
	p.ok("pkg", "list")
}
