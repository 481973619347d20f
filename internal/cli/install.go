package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

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

--frozen (for CI) installs exactly what legion.lock says and never rewrites
it; it fails, writing nothing, when the lock is missing, does not satisfy
legion.json, or names a version the registry does not have.

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
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *concurrency < 1 {
		return usagef("pkg install: --concurrency must be at least 1, not %d", *concurrency)
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
	return a.install(ctx, fs, installRun{specs: specs, frozen: *frozen, concurrency: *concurrency})
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
}

func (a *app) install(ctx context.Context, fs *flagSet, run installRun) error {
	specs := run.specs
	release, err := a.lockProject(ctx)
	if err != nil {
		return wrap(err, "install")
	}
	defer release()
	m, mb, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "install")
	}
	if err := m.checkDependencies(); err != nil {
		return wrap(err, "install: %s", manifestFile)
	}
	lock, lb, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "install")
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "install")
	}
	limited := newLimitedSource(registrySource{c}, run.concurrency)
	src := newMemoSource(limited)
	installed, err := installedSet(a.env.Dir)
	if err != nil {
		return wrap(err, "install")
	}
	// Downloads start as the solver chooses versions, and overlap the
	// rest of the resolution.
	pre := newPrefetcher(ctx, limited.Fetch, func(name string, v *semver.Version) bool {
		return installed[name] == v.Original()
	})
	defer pre.stop()
	prog := newProgress(a.stderr)
	plan := applyPlan{
		dir:          a.env.Dir,
		oldManifest:  mb,
		oldLock:      lb,
		fetch:        pre.Fetch,
		concurrency:  run.concurrency,
		progressLine: prog,
	}
	if run.frozen {
		if err := checkFrozen(m, lock); err != nil {
			return wrap(err, "install --frozen")
		}
		plan.lock, plan.keepLock = lock, true
		change, err := apply(ctx, plan)
		if err != nil {
			return wrap(frozenFetchError(err), "install --frozen")
		}
		return a.printChange(fs, change)
	}

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
	latest, err := latestVersions(ctx, src, specs, run.concurrency)
	if err != nil {
		return wrap(err, "install")
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
		OnChoose:    pre.start,
		OnRequest: func(n int) {
			if n > 1 {
				prog.update("legion: resolving (%d requests)", n)
			}
		},
	}
	res, err := solver.Solve(ctx, want)
	prog.done()
	if err != nil {
		a.explainJSON(fs, err)
		return wrap(latestExcluded(err, latest), "install")
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
	change, err := apply(ctx, plan)
	if err != nil {
		return wrap(err, "install")
	}
	return a.printChange(fs, change)
}

func (a *app) printChange(fs *flagSet, change *projectChange) error {
	if fs.json {
		return writeJSON(a.stdout, change)
	}
	change.print(a.stdout)
	return nil
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
