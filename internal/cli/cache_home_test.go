package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCacheInHomeTouchesOnlyLegionsFiles: LEGION_CACHE=$HOME (or any
// directory shared with other files) — cache verify and cache clean remove
// legion's entries, version lists and index records, and nothing else,
// whatever the other files are named.
func TestCacheInHomeTouchesOnlyLegionsFiles(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.env = append(p.env, "LEGION_CACHE="+p.home)
	theirs := map[string]string{
		"versions/notes.json":                                   `{"name":"notes","todo":["buy milk"]}` + "\n",
		"versions/legion-core.json.bak":                         "mine\n",
		"versions/README.json":                                  "not json at all\n",
		"content/sha512/zz/holiday-photos/1.jpg":                "jpeg\n",
		"content/sha512/ab/notes.txt":                           "mine\n",
		"index/recipes/soup":                                    "carrots\n",
		"content/sha512/" + strings.Repeat("0", 130) + "/x.txt": "mine\n",
	}
	for name, content := range theirs {
		path := filepath.Join(p.home, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.2.0")

	r := p.ok("pkg", "cache", "verify", "--json")
	if !strings.Contains(r.stdout, `"entries": 3,`) || !strings.Contains(r.stdout, `"lists": 3,`) || !strings.Contains(r.stdout, `"damaged": []`) {
		t.Errorf("cache verify in $HOME: %s", r.stdout)
	}
	r = p.ok("pkg", "cache", "clean")
	if !strings.HasPrefix(r.stdout, "removed 3 entries") || !strings.Contains(r.stdout, "and 3 version lists") {
		t.Errorf("cache clean in $HOME: %s", r.stdout)
	}
	for name, content := range theirs {
		if b, err := os.ReadFile(filepath.Join(p.home, filepath.FromSlash(name))); err != nil || string(b) != content {
			t.Errorf("cache clean with LEGION_CACHE=$HOME: ~/%s: %q, %v", name, b, err)
		}
	}
	// legion's own are gone: a second project downloads everything again.
	for _, name := range []string{"versions/legion-core.json", "versions/legion-http.json", "index/legion-core", "index/legion-log"} {
		if _, err := os.Lstat(filepath.Join(p.home, filepath.FromSlash(name))); err == nil {
			t.Errorf("cache clean left ~/%s", name)
		}
	}
	q := newProject(t, fx)
	q.env = p.env
	q.write(manifestFile, p.read(manifestFile))
	q.write(lockFile, p.read(lockFile))
	fx.srv.ResetRequests()
	q.ok("pkg", "install", "--frozen")
	if n := len(fx.srv.RequestsTo("GET", "/packages/*/*/download")); n != 3 {
		t.Errorf("after cache clean, --frozen downloaded %d versions, want 3", n)
	}
}

// TestInstallRacingCacheClean: an install that takes a version from the
// cache while another process runs cache clean (or discards that entry)
// still succeeds, with the content it checked: an entry that vanishes
// mid-read is a cache miss, and what is written is what was hashed. The
// race is run twenty times; before the fix, about one run in three failed
// with "no such file or directory".
func TestInstallRacingCacheClean(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	warm := newProject(t, fx)
	warm.env = append(warm.env, "LEGION_CACHE="+filepath.Join(warm.home, "cache"))
	warm.ok("pkg", "init")
	warm.ok("pkg", "install", "legion-http@^1.2.0")
	lock, _, err := readLock(warm.dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		// Fill the cache again (a --frozen install with no legion_modules
		// fetches what the cache lacks and stores it).
		os.RemoveAll(filepath.Join(warm.dir, modulesDir))
		warm.ok("pkg", "install", "--frozen")
		p := newProject(t, fx)
		p.env = warm.env
		p.write(manifestFile, warm.read(manifestFile))
		p.write(lockFile, warm.read(lockFile))
		cleaned := make(chan result, 1)
		go func() { cleaned <- p.run("", "pkg", "cache", "clean") }()
		r := p.run("", "pkg", "install", "--frozen")
		if c := <-cleaned; c.code != 0 {
			t.Fatalf("cache clean during an install: %v", c)
		}
		if r.code != 0 {
			t.Fatalf("install --frozen during cache clean (run %d): %v", i, r)
		}
		for name, lp := range lock.Packages {
			if got := dirIntegrity(filepath.Join(p.dir, modulesDir, name)); got != lp.Integrity {
				t.Fatalf("run %d: %s hashes to %s, the lock has %s", i, name, got, lp.Integrity)
			}
		}
	}
}
