package cli

import (
	"strings"
	"testing"
)

// TestRemoveDryRunQuietOffline: remove takes install's output and network
// flags: --dry-run lists what would go and writes nothing (no project lock
// either), --json says dryRun, --quiet prints nothing, --offline removes
// with the registry unreachable when the lock covers what remains.
func TestRemoveDryRunQuietOffline(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.2.0", "legion-json@^1.0.0")

	before := snapshot(t, p.dir)
	r := p.ok("pkg", "remove", "--dry-run", "legion-http")
	want := "- legion-http@1.2.0\n- legion-log@0.3.2\ndry run, nothing written: would have removed 2 packages\n"
	if r.stdout != want {
		t.Errorf("remove --dry-run printed:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = p.ok("pkg", "remove", "--dry-run", "--json", "legion-http")
	if !strings.Contains(r.stdout, `"dryRun": true`) || !strings.Contains(r.stdout, `"name": "legion-log"`) {
		t.Errorf("remove --dry-run --json: %s", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "remove --dry-run")

	p.env = append(p.env, "LEGION_REGISTRY=http://127.0.0.1:1/api/v1")
	if r := p.ok("pkg", "remove", "--quiet", "--offline", "legion-http"); r.stdout != "" || r.stderr != "" {
		t.Errorf("remove --quiet printed: %v", r)
	}
	if lock, _, _ := readLock(p.dir); len(lock.Packages) != 2 || !hasKey(lock.Packages, "legion-json") {
		t.Errorf("after remove --offline legion-http: %+v", lock.Packages)
	}
	p.fails(ExitUsage, "pkg", "remove", "--quiet", "--verbose", "legion-json")
}
