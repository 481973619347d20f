package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

var installCmd = &command{
	name:    "install",
	aliases: []string{"i"},
	args:    "[<pkg>[@<version-or-range>] ...]",
	summary: "install dependencies (all of legion.json's, or add the named ones)",
	help: `Without arguments, installs everything legion.json names. With arguments,
adds each package to legion.json's dependencies (with the range given, or
^<latest> when none is given or it is "latest") and installs it. A package
asked for without a range gets the registry's latest version; when another
range in the tree excludes it, the install fails and explains why (exit 5).

Packages are installed flat, one version per name, under
legion_modules/<name>/ (its legion.json and README.md), so every range on a
package (npm-style: ^1.2.0, ~1.2, >=1 <2, 1.x) must hold for the one
version installed. The solver finds such a set of versions whenever one
exists, trying older versions when the newest disagree: a locked version is
kept while allowed, otherwise the newest allowed, and the package farther
from the project gives way first. When none exists, it explains why, step
by step (exit 5; exit 4 when a package or a matching version is missing;
--json prints the derivation as data).

The result is recorded in legion.lock. While the lock still satisfies
legion.json it is used as it is, without asking the registry, and nothing
is rewritten: a second install is a no-op. Versions are looked up through
the registry's versions endpoint, which does not count downloads.

legion.lock records each package's integrity (sha512-<base64>, npm's
form) over exactly the files install writes for it: the SHA-512 of their
sha512sum listing, sorted by path. Check a module with standard tools:

    cd legion_modules/<name> && find . -type f | sed 's|^\./||' |
      LC_ALL=C sort | xargs sha512sum | openssl dgst -sha512 -binary | base64 -w0

Every install checks what the registry serves
against it: a locked version whose content changed (republished) fails
with exit 8, naming both hashes, unless 'legion pkg update <pkg>' names it.
Modules whose files do not match the lock (edited, extra or missing
files) are replaced, and named in the output.

--frozen (for CI) installs exactly what legion.lock says and never rewrites
it; it fails, writing nothing, when the lock is missing, does not satisfy
legion.json, names a version the registry does not have, or the registry's
content does not match it (exit 8). On a tree that already matches the lock
it writes nothing and needs no write access. A version-1 lock (no hashes)
is installed with a warning naming what could not be verified; an install
without --frozen adds the hashes.

Contents are shared between projects through a cache keyed by integrity
(legion/ in the user cache directory; LEGION_CACHE moves it): a version
whose hash is cached installs with no request, so a --frozen install with a
warm cache works with the registry down. --offline never contacts the
registry (version lists and contents come from the cache; a missing entry
fails, naming it); --prefer-offline uses cached version lists, however old,
and asks the registry only when they cannot satisfy legion.json (a version
published since they were fetched).
See 'legion pkg cache'.

Output: one summary line ("added 200 packages in 1.4s"); --verbose lists
every package added, updated or removed; --quiet prints errors only;
--dry-run prints what would change and writes nothing.

An install that fails part-way (network error, conflict, missing package,
interrupt) leaves legion.json, legion.lock and legion_modules exactly as
they were. While it changes the project it holds .legion-project.lock; a
second run waits up to 5s (LEGION_LOCK_WAIT) and then fails.`,
	run: (*app).runInstall,
}

// installSpec is one `<pkg>[@<range>]` argument.
type installSpec struct {
	name string
	rng  string // "" when none was given (or "latest")
}

func parseSpec(arg string) (installSpec, error) {
	s := installSpec{name: arg}
	if i := strings.LastIndex(arg, "@"); i > 0 {
		s.name, s.rng = arg[:i], strings.TrimSpace(arg[i+1:])
		if s.rng == "" {
			return s, usagef("%q: nothing after '@' (want <pkg>@<version-or-range>)", arg)
		}
	}
	if err := checkPackageName(s.name); err != nil {
		return s, usagef("%q: %v", arg, err)
	}
	if s.rng == legion.Latest {
		s.rng = ""
	}
	if s.rng != "" {
		if _, err := semrange.Parse(s.rng); err != nil {
			return s, usagef("%q: %q is not a version or range", arg, s.rng)
		}
	}
	return s, nil
}

func (a *app) runInstall(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	frozen := fs.Bool("frozen", false, "install exactly legion.lock and never rewrite it (for CI)")
	concurrency := fs.Int("concurrency", defaultConcurrency, "registry requests at a time")
	opts := installFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *concurrency < 1 {
		return usagef("pkg install: --concurrency must be at least 1, not %d", *concurrency)
	}
	if err := opts.check("install"); err != nil {
		return err
	}
	if *frozen && len(pos) > 0 {
		return usagef("pkg install --frozen takes no packages (it installs legion.lock as it is)")
	}
	var specs []installSpec
	for _, arg := range pos {
		s, err := parseSpec(arg)
		if err != nil {
			return err
		}
		specs = append(specs, s)
	}
	return a.install(ctx, fs, installRun{specs: specs, frozen: *frozen, concurrency: *concurrency, installOptions: *opts})
}

// installRun is what install (and update) is asked to do.
type installRun struct {
	specs       []installSpec
	frozen      bool
	concurrency int
	// update names the packages whose locked versions are not preferred;
	// updateAll ignores the lock altogether.
	update    []string
	updateAll bool
	installOptions
}

// op names the command in messages: "install" or "update".
func (r installRun) op() string {
	if len(r.update) > 0 || r.updateAll {
		return "update"
	}
	return "install"
}

func (a *app) install(ctx context.Context, fs *flagSet, run installRun) error {
	started := time.Now()
	specs := run.specs
	if run.frozen {
		// A tree that already matches the lock needs no write access: no
		// project lock, nothing written (a read-only checkout, another user).
		change, ok, err := a.frozenUpToDate()
		if err != nil {
			return wrap(err, "install --frozen")
		}
		if ok {
			return a.printChange(fs, run.installOptions, change, started)
		}
	}
	if !run.dryRun {
		release, err := a.lockProject(ctx)
		if err != nil {
			return wrap(err, run.op())
		}
		defer release()
	}
	m, mb, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, run.op())
	}
	if err := m.checkDependencies(); err != nil {
		return wrap(err, "%s: %s", run.op(), manifestFile)
	}
	lock, lb, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, run.op())
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, run.op())
	}
	cache := a.openCache()
	limited := newLimitedSource(registrySource{c}, run.concurrency)
	cached := &cachedSource{Source: limited, cache: cache, mode: run.netMode()}
	src := newMemoSource(cached)
	installed, err := installedSet(a.env.Dir)
	if err != nil {
		return wrap(err, run.op())
	}
	defer cached.wait()
	// A download is stored in the cache as soon as it arrives, while the
	// resolution still waits on the network, rather than in the staging
	// pass after it.
	fetchAndCache := func(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
		meta, err := cached.Fetch(ctx, name, v)
		if err == nil && meta.Dependencies != nil && cache != nil {
			if files, err := moduleFiles(name, v.Original(), nil, meta); err == nil {
				_, _ = cache.putModule(name, v.Original(), files)
			}
		}
		return meta, err
	}
	// Downloads start as the solver chooses versions, and overlap the rest
	// of the resolution. What is already here is not downloaded: a version
	// installed, or one whose lock hash (or, offline, last fetched hash)
	// the cache holds. Staging checks both against the hash; this only
	// decides what to start early.
	pre := newPrefetcher(ctx, fetchAndCache, func(name string, v *semver.Version) bool {
		sri := ""
		if lp, ok := lock.lookup(name); ok && lp.Version == v.Original() {
			sri = lp.Integrity
		}
		if sri == "" && run.netMode() != online {
			sri = cache.index(name, v.Original())
		}
		return cache.holds(sri) || installed[name] == v.Original()
	})
	defer pre.stop()
	prog := newProgress(a.stderr)
	plan := applyPlan{
		dir:          a.env.Dir,
		oldManifest:  mb,
		oldLock:      lb,
		fetch:        pre.Fetch,
		cache:        cache,
		concurrency:  run.concurrency,
		progressLine: prog,
		dryRun:       run.dryRun,
		fromIndex:    run.netMode() != online,
	}
	if run.quiet {
		plan.progressLine = nil
	}
	if run.frozen {
		if err := checkFrozen(m, lock); err != nil {
			return wrap(err, "install --frozen")
		}
		if u := lock.unverified(); len(u) > 0 {
			a.progressf("warning: %s has no integrity for %s: not verified (an install without --frozen adds the hashes)", lockFile, strings.Join(u, ", "))
		}
		plan.lock, plan.keepLock = lock, true
		change, err := apply(ctx, plan)
		if err != nil {
			return wrap(frozenFetchError(err), "install --frozen")
		}
		return a.printChange(fs, run.installOptions, change, started)
	}
	oldLock := lock

	// The ranges to resolve: legion.json's, with the arguments replacing
	// their names' entries. A name given without a range (or with
	// "latest") asks for the registry's latest version, exactly.
	want := maps.Clone(m.Dependencies)
	if want == nil {
		want = map[string]string{}
	}
	unlock := map[string]bool{}
	for _, n := range run.update {
		if lock == nil || !hasKey(lock.Packages, n) {
			return wrap(fmt.Errorf("%s is not installed (run 'legion pkg install %s')", n, n), "update")
		}
		unlock[n] = true
	}
	if run.updateAll {
		lock = nil // re-resolve everything within legion.json's ranges
	}
	resolve := func(src Source) (*Resolution, map[string]*semver.Version, error) {
		latest, err := latestVersions(ctx, src, specs, run.concurrency)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range specs {
			want[s.name] = s.rng
			if s.rng == "" {
				want[s.name] = latest[s.name].Original()
			}
			unlock[s.name] = true
		}
		solver := &Solver{
			Root:        m.Name,
			Source:      src,
			Lock:        lock,
			Unlock:      unlock,
			Concurrency: run.concurrency,
			OnChoose:    pre.choose,
			OnRequest: func(n int) {
				if n > 1 {
					prog.update("legion: resolving (%d requests)", n)
				}
			},
		}
		res, err := solver.Solve(ctx, want)
		prog.done()
		return res, latest, err
	}
	res, latest, err := resolve(src)
	if err != nil && run.netMode() == preferOffline && ctx.Err() == nil {
		// Cached lists can be older than what is asked for (a version
		// published since): what the cache cannot answer is asked of the
		// registry, as npm's --prefer-offline does.
		res, latest, err = resolve(newMemoSource(&cachedSource{Source: limited, cache: cache, mode: online}))
	}
	if err != nil {
		return wrap(latestExcluded(err, latest), run.op())
	}

	if len(specs) > 0 {
		newManifest := m.clone()
		if newManifest.Dependencies == nil {
			newManifest.Dependencies = map[string]string{}
		}
		for _, s := range specs {
			r := s.rng
			if r == "" {
				r = "^" + res.Packages[s.name].Version.Original()
			}
			newManifest.Dependencies[s.name] = r
		}
		if !maps.Equal(newManifest.Dependencies, m.Dependencies) {
			plan.newManifest = newManifest
		}
	}
	plan.lock, plan.res = res.Lock(), res
	// A version kept from the old lock keeps its hash, and its content
	// must still match it, unless update names the package.
	plan.lock.keepIntegrity(oldLock)
	plan.mayChange = func(name string) bool { return run.updateAll || slices.Contains(run.update, name) }
	change, err := apply(ctx, plan)
	if err != nil {
		return wrap(err, run.op())
	}
	return a.printChange(fs, run.installOptions, change, started)
}

// latestVersions looks up, concurrently, the registry's latest version of
// each spec given without a range: the highest release, or the highest
// prerelease when there is no release (as the registry's "latest").
func latestVersions(ctx context.Context, src Source, specs []installSpec, concurrency int) (map[string]*semver.Version, error) {
	var names []string
	for _, s := range specs {
		if s.rng == "" {
			names = append(names, s.name)
		}
	}
	found := make([]*semver.Version, len(names))
	err := forEach(ctx, len(names), concurrency, func(ctx context.Context, i int) error {
		list, err := src.Versions(ctx, names[i])
		if err != nil {
			return err
		}
		vs := make([]*semver.Version, len(list))
		for j, pv := range list {
			vs[j] = pv.Version
		}
		found[i] = registryLatest(vs)
		if found[i] == nil {
			return &NoMatchError{Name: names[i], Range: legion.Latest, Chain: names[i] + "@" + legion.Latest}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]*semver.Version{}
	for i, n := range names {
		out[n] = found[i]
	}
	return out, nil
}

// latestExcluded explains a conflict on a package asked for at its latest
// version: another range in the tree excludes that version.
func latestExcluded(err error, latest map[string]*semver.Version) error {
	var se *SolveError
	if errors.As(err, &se) {
		for _, name := range slices.Sorted(maps.Keys(latest)) {
			if se.mentions(name) {
				return fmt.Errorf("the latest %s is %s, which another range in the tree excludes: %w", name, latest[name].Original(), err)
			}
		}
	}
	return err
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}
