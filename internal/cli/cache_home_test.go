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
