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
