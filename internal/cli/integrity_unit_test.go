package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDirIntegrity: the hash of a module directory is the hash of its files
// as install renders them, and anything install never writes (a directory,
// even empty; a symlink) makes it match nothing.
func TestDirIntegrity(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{manifestFile: []byte("{\"name\":\"a\"}\n"), readmeFile: []byte("# a\n")}
	dir := t.TempDir()
	if err := writeModule(filepath.Join(dir, "a"), files); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(dir, "a")
	if got, want := dirIntegrity(mod), integrityOf(files); got != want || checkIntegrity(got) != nil {
		t.Fatalf("dirIntegrity = %q, want %q", got, want)
	}
	if err := os.Mkdir(filepath.Join(mod, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := dirIntegrity(mod); got != "" {
		t.Errorf("a module with an empty subdirectory hashes to %q", got)
	}
	os.Remove(filepath.Join(mod, "empty"))
	if err := os.Symlink(filepath.Join(mod, readmeFile), filepath.Join(mod, "link")); err != nil {
		t.Fatal(err)
	}
	if got := dirIntegrity(mod); got != "" {
		t.Errorf("a module with a symlink hashes to %q", got)
	}
}

// TestCacheRefusesSymlinkedDirectories: a symlink planted inside the cache
// (content/sha512/<xx> pointing elsewhere) is not written through.
func TestCacheRefusesSymlinkedDirectories(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	elsewhere := t.TempDir()
	c := &contentCache{dir: filepath.Join(root, "cache")}
	files := map[string][]byte{manifestFile: []byte("{}\n")}
	sri := integrityOf(files)
	shard := filepath.Dir(c.entryPath(sri))
	if err := os.MkdirAll(filepath.Dir(shard), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, shard); err != nil {
		t.Fatal(err)
	}
	if err := c.put(sri, files); err == nil {
		t.Error("put wrote through a symlinked shard directory")
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("the symlink's target got %s", ents[0].Name())
	}
	// A real directory works.
	os.Remove(shard)
	if err := c.put(sri, files); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.load(sri); !ok {
		t.Error("the entry put is not loaded back")
	}
}
