package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

func TestInstallListRemove(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")

	r := p.ok("pkg", "install", "legion-http")
	golden(t, "install-http", p.normalize(r.stdout))
	if r.stderr != "" {
		t.Errorf("install wrote to stderr (not a terminal): %q", r.stderr)
	}
	m, _, err := readManifest(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Dependencies; len(got) != 1 || got["legion-http"] != "^1.2.0" {
		t.Errorf("legion.json dependencies = %v, want legion-http ^1.2.0", got)
	}
	golden(t, "install-http-lock", p.read("legion.lock"))
	for name, version := range map[string]string{"legion-http": "1.2.0", "legion-core": "1.4.0", "legion-log": "0.3.2"} {
		if got := installedVersion(p.dir, name); got != version {
			t.Errorf("legion_modules/%s is %q, want %s", name, got, version)
		}
		readme, err := os.ReadFile(filepath.Join(p.dir, "legion_modules", name, "README.md"))
		if name == "legion-log" { // published without a readme
			if !os.IsNotExist(err) {
				t.Errorf("legion-log has a README: %q, %v", readme, err)
			}
		} else if err != nil || !strings.HasPrefix(string(readme), "# "+name) {
			t.Errorf("%s README: %q, %v", name, readme, err)
		}
	}
	golden(t, "install-http-module", p.read("legion_modules/legion-http/legion.json"))

	// A second install changes nothing, byte for byte and mtime for mtime,
	// and does not even ask the registry.
	before := snapshot(t, p.dir)
	fx.srv.ResetRequests()
	r = p.ok("pkg", "install")
	if r.stdout != "up to date, 3 packages installed\n" {
		t.Errorf("re-install printed %q", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "re-install")
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("re-install made %d requests, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}

	// A deleted module is put back from the lock, without re-resolving.
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-log")); err != nil {
		t.Fatal(err)
	}
	fx.srv.ResetRequests()
	r = p.ok("pkg", "install", "--verbose")
	if p.normalize(r.stdout) != "+ legion-log@0.3.2\nadded 1 package in X.Xs\n" {
		t.Errorf("repair printed %q", r.stdout)
	}
	for _, req := range fx.srv.Requests() {
		if req.Path != "/packages/legion-log/0.3.2/download" {
			t.Errorf("repair asked %s %s", req.Method, req.Path)
		}
	}

	r = p.ok("pkg", "install", "legion-json@^1.0.0", "--json")
	var change projectChange
	if err := json.Unmarshal([]byte(r.stdout), &change); err != nil {
		t.Fatal(err)
	}
	if !change.Changed || len(change.Added) != 1 || change.Added[0] != (pkgVersion{"legion-json", "1.0.0"}) || change.Packages != 4 {
		t.Errorf("install --json: %s", r.stdout)
	}

	golden(t, "list", p.ok("pkg", "list").stdout)
	var tree listOutput
	if err := json.Unmarshal([]byte(p.ok("pkg", "list", "--json").stdout), &tree); err != nil {
		t.Fatal(err)
	}
	if len(tree.Dependencies) != 2 || tree.Dependencies[1].Name != "legion-json" ||
		tree.Dependencies[0].Dependencies[0].Name != "legion-core" || tree.Dependencies[0].Dependencies[0].Version != "1.4.0" {
		t.Errorf("list --json: %+v", tree)
	}

	// Removing legion-http drops legion-log (only it needed it) but keeps
	// legion-core, which legion-json still needs; no request is made.
	fx.srv.ResetRequests()
	r = p.ok("pkg", "remove", "legion-http")
	golden(t, "remove-http", p.normalize(r.stdout))
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("remove made %d requests", len(reqs))
	}
	ents, _ := os.ReadDir(filepath.Join(p.dir, "legion_modules"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"legion-core", "legion-json"}) {
		t.Errorf("legion_modules holds %v", names)
	}
	if l := p.read("legion.lock"); strings.Contains(l, "legion-http") || strings.Contains(l, "legion-log") {
		t.Errorf("lock after remove:\n%s", l)
	}
	p.fails(ExitError, "pkg", "remove", "legion-http") // no longer a dependency

	// No stray temporary files anywhere.
	for name := range snapshot(t, p.dir) {
		if strings.Contains(name, ".tmp-") || strings.Contains(name, ".legion_modules.") {
			t.Errorf("left behind: %s", name)
		}
	}

	// Nothing ever counted a download.
	for _, name := range []string{"legion-http", "legion-core", "legion-log", "legion-json"} {
		if pk, _ := fx.srv.Package(name); fx.srv.Downloads(name) != pk.Downloads {
			t.Errorf("%s: downloads changed", name)
		}
	}
}

func TestInstallCountsNoDownloads(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	before := fx.srv.Downloads("legion-http")
	p.ok("pkg", "install", "legion-http")
	for _, req := range fx.srv.Requests() {
		if req.Method == http.MethodGet && strings.Count(req.Path, "/") == 2 && strings.HasPrefix(req.Path, "/packages/") {
			t.Errorf("install called GET %s (counts a download)", req.Path)
		}
	}
	if fx.srv.Downloads("legion-http") != before {
		t.Errorf("downloads of legion-http went from %d to %d", before, fx.srv.Downloads("legion-http"))
	}
}

func TestInstallCycleAndRange(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	r := p.ok("pkg", "install", "--verbose", "legion-ping", "legion-core@~1.1")
	if !strings.Contains(r.stdout, "+ legion-ping@1.0.0") || !strings.Contains(r.stdout, "+ legion-pong@1.0.0") ||
		!strings.Contains(r.stdout, "+ legion-core@1.1.0") {
		t.Errorf("install:\n%s", r.stdout)
	}
	m, _, _ := readManifest(p.dir)
	if m.Dependencies["legion-core"] != "~1.1" || m.Dependencies["legion-ping"] != "^1.0.0" {
		t.Errorf("dependencies = %v", m.Dependencies)
	}
	if out := p.ok("pkg", "list").stdout; !strings.Contains(out, "deduped") {
		t.Errorf("list of a cycle:\n%s", out)
	}
}

func TestInstallConflictLeavesProjectUntouched(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http")
	before := snapshot(t, p.dir)
	r := p.fails(ExitConflict, "pkg", "install", "legion-next")
	for _, s := range []string{
		"Because legion-http >=1.2.0 depends on legion-core ^1.1.0 and legion-next depends on legion-core ^2.0.0, legion-http >=1.2.0 is incompatible with legion-next.\n",
		"So, because myapp depends on both legion-http ^1.2.0 and legion-next 1.0.0, version solving failed.\n",
	} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "conflicting install")

	r = p.fails(ExitNotFound, "pkg", "install", "legion-nope")
	sameSnapshot(t, before, snapshot(t, p.dir), "install of an unknown package")
	r = p.fails(ExitNotFound, "pkg", "install", "legion-core@^9")
	if !strings.Contains(r.stderr, "Because myapp depends on legion-core ^9 which doesn't match any versions, version solving failed.") {
		t.Errorf("stderr: %s", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install of a missing version")
}

func TestFailedDownloadLeavesProjectUntouched(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@1.0.0")
	// legion.json now asks for more than the lock has.
	m, _, _ := readManifest(p.dir)
	m.Dependencies["legion-http"] = "^1.2.0"
	m.Dependencies["legion-ping"] = "^1.0.0"
	m.Dependencies["legion-core"] = "^1.1.0"
	p.write("legion.json", string(m.Marshal()))
	before := snapshot(t, p.dir)

	for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError} {
		remove := fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/packages/legion-pong/*/download", Status: status})
		want := map[int]int{404: ExitNotFound, 500: ExitError}[status]
		r := p.fails(want, "pkg", "install")
		if !strings.Contains(r.stderr, "legion-pong@1.0.0") {
			t.Errorf("status %d: stderr does not name the package: %s", status, r.stderr)
		}
		sameSnapshot(t, before, snapshot(t, p.dir), "install with a failing download")
		remove()
	}

	// A registry that goes away halfway through staging: the version list
	// works, one download is refused.
	remove := fx.srv.AddFault(legiontest.Fault{Method: "GET", Path: "/packages/legion-log/*/download", Status: http.StatusNotFound})
	p.fails(ExitNotFound, "pkg", "install")
	sameSnapshot(t, before, snapshot(t, p.dir), "install with a failing download")
	remove()

	// And once the registry works, the same install succeeds.
	p.ok("pkg", "install")
	if got := installedVersion(p.dir, "legion-pong"); got != "1.0.0" {
		t.Errorf("legion-pong installed %q", got)
	}
}

func TestRemoveKeepsWhatOthersNeed(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-core@^1.0.0", "legion-json")
	// A stray dot file in legion_modules is not a package: still a no-op.
	p.write("legion_modules/.DS_Store", "junk")
	before := snapshot(t, p.dir)
	if r := p.ok("pkg", "install"); !strings.HasPrefix(r.stdout, "up to date") {
		t.Errorf("install with a dot file: %q", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install with a dot file")

	lockBefore := p.read("legion.lock")
	r := p.ok("pkg", "remove", "legion-core")
	if !strings.Contains(r.stdout, "note: legion-core@1.4.0 stays installed: other dependencies need it") {
		t.Errorf("remove printed:\n%s", r.stdout)
	}
	if p.read("legion.lock") != lockBefore {
		t.Error("the lock changed though the same packages are installed")
	}
	m, _, _ := readManifest(p.dir)
	if _, ok := m.Dependencies["legion-core"]; ok || m.Dependencies["legion-json"] != "^1.0.0" {
		t.Errorf("dependencies = %v", m.Dependencies)
	}
	if installedVersion(p.dir, "legion-core") != "1.4.0" {
		t.Error("legion-core was uninstalled")
	}
	p.fails(ExitUsage, "pkg", "remove")

	// list reports what is missing, and exits 1.
	if err := os.RemoveAll(filepath.Join(p.dir, "legion_modules", "legion-json")); err != nil {
		t.Fatal(err)
	}
	r = p.fails(ExitError, "pkg", "list")
	if !strings.Contains(r.stdout, "missing from legion_modules") || !strings.Contains(r.stderr, "myapp → legion-json: missing from legion_modules") {
		t.Errorf("list with a missing module: %v", r)
	}
}
