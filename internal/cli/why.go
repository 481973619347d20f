package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/textsafe"
)

var whyCmd = &command{
	name:    "why",
	args:    "<pkg>",
	summary: "show every path from the project to an installed package",
	help: `Shows why a package is installed: every path of dependencies from the
project (legion.json) to it, through the versions legion.lock holds, each
step with the range that asked for it. It reads legion.json and legion.lock
only: no request, no network. Use it when 'legion pkg audit' names a
package deep in the tree, to see which direct dependency brings it in.

A path never visits a package twice (cycles are cut). At most 1000 paths
are shown; --json says when there were more. When legion.lock no longer
satisfies legion.json (edited since the last install), the paths are the
lock's and a warning on stderr (lockOutOfDate with --json) says what
differs. A package legion.lock does not have exits 4.`,
	run: (*app).runWhy,
}

// maxWhyPaths bounds the paths listed: a wide diamond-shaped tree has
// exponentially many.
const maxWhyPaths = 1000

// whyStep is one package on a path: the range its dependent asked for and
// the version the lock holds.
type whyStep struct {
	Name    string `json:"name"`
	Range   string `json:"range"`
	Version string `json:"version"`
}

type whyOutput struct {
	Name      string      `json:"name"`
	Version   string      `json:"version"`
	Project   string      `json:"project"`
	Paths     [][]whyStep `json:"paths"`
	Truncated bool        `json:"truncated"`
	// LockOutOfDate says how legion.lock fails legion.json, when it does
	// (legion.json edited since the install): the paths are the lock's.
	LockOutOfDate string `json:"lockOutOfDate,omitempty"`
}

// notInstalledError is a name that legion.lock does not have (exit 4).
type notInstalledError struct{ name string }

func (e *notInstalledError) Error() string {
	return fmt.Sprintf("%s is not installed (%s does not have it)", e.name, lockFile)
}

func (e *notInstalledError) Is(target error) bool { return target == legion.ErrNotFound }

func (a *app) runWhy(ctx context.Context, fs *flagSet, args []string) error {
	fs.withJSON()
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("pkg why takes one package name")
	}
	name := pos[0]
	if err := checkPackageName(name); err != nil {
		return usagef("pkg why: %q: %v", name, err)
	}
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "why")
	}
	lock, _, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "why")
	}
	if lock == nil {
		return wrap(fmt.Errorf("%s is missing: run 'legion pkg install' first", lockFile), "why")
	}
	target, ok := lock.Packages[name]
	if !ok {
		return wrap(&notInstalledError{name}, "why")
	}
	out := whyOutput{Name: name, Version: target.Version, Project: m.Name, Paths: [][]whyStep{}}
	if out.Project == "" {
		out.Project = "project"
	}
	out.Paths, out.Truncated = whyPaths(m.Dependencies, lock, name)
	if err := checkFrozen(m, lock); err != nil {
		// The paths are what is installed, which legion.json no longer
		// asks for: say so rather than show a range beside a version
		// outside it without a word.
		out.LockOutOfDate = describe(err)
		a.progressf("why: warning: %s", out.LockOutOfDate)
	}
	if fs.json {
		return writeJSON(a.stdout, out)
	}
	printWhy(a.stdout, out)
	return nil
}

// whyPaths lists, depth first in name order, every path from deps (the
// project's) through the lock's dependencies to target, without visiting
// a package twice on one path.
func whyPaths(deps map[string]string, lock *Lock, target string) (paths [][]whyStep, truncated bool) {
	var path []whyStep
	on := map[string]bool{}
	var walk func(deps map[string]string) bool
	walk = func(deps map[string]string) bool {
		for _, d := range slices.Sorted(maps.Keys(deps)) {
			p, ok := lock.Packages[d]
			if !ok || on[d] {
				continue
			}
			path = append(path, whyStep{Name: d, Range: deps[d], Version: p.Version})
			if d == target {
				if len(paths) == maxWhyPaths {
					return false
				}
				paths = append(paths, slices.Clone(path))
			} else {
				on[d] = true
				more := walk(p.Dependencies)
				on[d] = false
				if !more {
					return false
				}
			}
			path = path[:len(path)-1]
		}
		return true
	}
	truncated = !walk(deps)
	return paths, truncated
}

func printWhy(w io.Writer, out whyOutput) {
	if len(out.Paths) == 0 {
		fmt.Fprintf(w, "%s@%s is in %s, but nothing in %s needs it (run 'legion pkg install' to prune it)\n",
			out.Name, out.Version, lockFile, manifestFile)
		return
	}
	noun := "paths"
	if len(out.Paths) == 1 {
		noun = "path"
	}
	fmt.Fprintf(w, "%s@%s is installed through %d %s:\n", out.Name, out.Version, len(out.Paths), noun)
	for _, p := range out.Paths {
		parts := []string{out.Project}
		for _, st := range p {
			// A range is npm's grammar, but may hold odd whitespace
			// ("\r" parses): shown terminal-safe, as registry text is.
			parts = append(parts, fmt.Sprintf("%s@%s (%s)", st.Name, st.Version, textsafe.Text(st.Range)))
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(parts, " → "))
	}
	if out.Truncated {
		fmt.Fprintf(w, "  … and more (only the first %d paths are shown)\n", maxWhyPaths)
	}
}
