package cli

import (
	"context"
	"fmt"
	"time"
)

var removeCmd = &command{
	name:    "remove",
	aliases: []string{"rm"},
	args:    "<pkg> ...",
	summary: "remove dependencies, and what only they needed",
	help: `Removes each package from legion.json's dependencies, then drops from
legion.lock and legion_modules every package that nothing else needs any
more. The rest stays at its locked versions; when legion.lock covers what
remains, the registry is not contacted.

Every package removed is listed, then a summary. --dry-run prints what
would change and writes nothing; --quiet prints errors only; --offline and
--prefer-offline use the cache as install does.`,
	run: (*app).runRemove,
}

func (a *app) runRemove(ctx context.Context, fs *flagSet, args []string) error {
	started := time.Now()
	fs.withRegistry().withJSON()
	opts := installFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("pkg remove needs at least one package name")
	}
	if err := opts.check("remove"); err != nil {
		return err
	}
	if !opts.dryRun {
		release, err := a.lockProject(ctx)
		if err != nil {
			return wrap(err, "remove")
		}
		defer release()
	}
	m, mb, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "remove")
	}
	newManifest := m.clone()
	for _, name := range pos {
		if _, ok := newManifest.Dependencies[name]; !ok {
			return wrap(fmt.Errorf("%s: %w in %s", name, errNotDependency, manifestFile), "remove")
		}
		delete(newManifest.Dependencies, name)
	}
	if err := newManifest.checkDependencies(); err != nil {
		return wrap(err, "remove: %s", manifestFile)
	}
	lock, lb, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "remove")
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "remove")
	}
	cache := a.openCache()
	src := &cachedSource{Source: registrySource{c}, cache: cache, mode: opts.netMode()}
	// The solver keeps every locked version that still fits, so with a
	// complete lock this is the lock pruned to what remains, offline.
	solver := &Solver{Root: m.Name, Source: src, Lock: lock}
	res, err := solver.Solve(ctx, newManifest.Dependencies)
	if err != nil {
		return wrap(err, "remove")
	}
	newLock := res.Lock()
	newLock.keepIntegrity(lock)
	plan := applyPlan{
		dir:          a.env.Dir,
		oldManifest:  mb,
		newManifest:  newManifest,
		oldLock:      lb,
		lock:         newLock,
		res:          res,
		fetch:        src.Fetch,
		cache:        cache,
		progressLine: newProgress(a.stderr),
		dryRun:       opts.dryRun,
		fromIndex:    opts.netMode() != online,
	}
	if opts.quiet {
		plan.progressLine = nil
	}
	change, err := apply(ctx, plan)
	if err != nil {
		return wrap(err, "remove")
	}
	opts.verbose = !opts.quiet // remove always lists what it removes
	if err := a.printChange(fs, *opts, change, started); err != nil || fs.json || opts.quiet {
		return err
	}
	for _, name := range pos {
		if p, still := res.Packages[name]; still {
			fmt.Fprintf(a.stdout, "note: %s@%s stays installed: other dependencies need it\n", name, p.Version)
		}
	}
	return nil
}
