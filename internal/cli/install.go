package cli

import (
	"context"
	"maps"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

var installCmd = &command{
	name:    "install",
	args:    "[<pkg>[@<version-or-range>] ...]",
	summary: "install dependencies (all of legion.json's, or add the named ones)",
	help: `Without arguments, installs everything legion.json names. With arguments,
adds each package to legion.json's dependencies (with the range given, or
^<resolved version> when none is given or it is "latest") and installs it.

Each package gets the highest published version that satisfies every range
on it (npm-style ranges: ^1.2.0, ~1.2, >=1 <2, 1.x), following the chosen
versions' own dependencies transitively. Packages are installed flat, one
version per name, under legion_modules/<name>/ (its legion.json and
README.md). When two packages need ranges of a third that no version
satisfies together, the install fails naming both chains (exit 5).

The result is recorded in legion.lock. While the lock still satisfies
legion.json it is used as it is, without asking the registry, and nothing
is rewritten: a second install is a no-op. Versions are looked up through
the registry's versions endpoint, which does not count downloads.

An install that fails part-way (network error, conflict, missing package)
leaves legion.json, legion.lock and legion_modules exactly as they were.`,
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
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	var specs []installSpec
	for _, arg := range pos {
		s, err := parseSpec(arg)
		if err != nil {
			return err
		}
		specs = append(specs, s)
	}
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

	// The ranges to resolve: legion.json's, with the arguments replacing
	// their names' entries ("*" resolves to the latest non-prerelease).
	want := maps.Clone(m.Dependencies)
	if want == nil {
		want = map[string]string{}
	}
	unlock := map[string]bool{}
	for _, s := range specs {
		want[s.name] = s.rng
		if s.rng == "" {
			want[s.name] = "*"
		}
		unlock[s.name] = true
	}

	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "install")
	}
	src := registrySource{c}
	prog := newProgress(a.stderr)
	solver := &Solver{
		Root:        m.Name,
		Source:      src,
		Lock:        lock,
		Unlock:      unlock,
		Concurrency: 8,
		OnRequest: func(n int) {
			if n > 1 {
				prog.update("legion: resolving (%d requests)", n)
			}
		},
	}
	res, err := solver.Solve(ctx, want)
	prog.done()
	if err != nil {
		return wrap(err, "install")
	}

	var newManifest *Manifest
	if len(specs) > 0 {
		newManifest = m.clone()
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
		if maps.Equal(newManifest.Dependencies, m.Dependencies) {
			newManifest = nil
		}
	}
	change, err := apply(ctx, applyPlan{
		dir:          a.env.Dir,
		oldManifest:  mb,
		newManifest:  newManifest,
		oldLock:      lb,
		lock:         res.Lock(),
		res:          res,
		fetch:        src.Fetch,
		concurrency:  8,
		progressLine: prog,
	})
	if err != nil {
		return wrap(err, "install")
	}
	if fs.json {
		return writeJSON(a.stdout, change)
	}
	change.print(a.stdout)
	return nil
}
