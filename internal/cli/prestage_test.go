package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// TestStageTakesPrestagedModules: a module written while the resolution ran
// is moved into place (not written again), and is held to the lock's hash
// like any download.
func TestStageTakesPrestagedModules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	meta := &legion.PackageVersion{Description: "a", Readme: "# a\n", Dependencies: map[string]string{}}
	files, err := moduleFiles("a", "1.0.0", nil, meta)
	if err != nil {
		t.Fatal(err)
	}
	sri := integrityOf(files)
	fetch := func(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
		return meta, nil
	}
	for _, tc := range []struct {
		name   string
		locked string
		want   error
	}{
		{"no hash yet", "", nil},
		{"the locked hash", sri, nil},
		{"another hash", integrityOf(map[string][]byte{"x": nil}), ErrIntegrity},
	} {
		pre := newPrestage(dir)
		pre.put("a", "1.0.0", sri, files)
		d, _ := pre.ready["a@1.0.0"]
		st := &stager{projectDir: dir, fetch: fetch, pre: pre, rehash: true,
			lock: &Lock{Packages: map[string]LockedPackage{"a": {Version: "1.0.0", Integrity: tc.locked}}}}
		res, err := st.stage(context.Background())
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if err == nil {
			if _, err := os.Stat(d.path); !os.IsNotExist(err) {
				t.Errorf("%s: the prestaged directory is still there: it was copied, not moved", tc.name)
			}
			if got := dirIntegrity(filepath.Join(res.dir, "a")); got != sri || res.integrity["a"] != sri {
				t.Errorf("%s: staged %s (recorded %s), want %s", tc.name, got, res.integrity["a"], sri)
			}
			os.RemoveAll(res.dir)
		}
		pre.remove()
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %s", ents[0].Name())
	}
}
