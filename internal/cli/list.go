package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/legion-registry/legion-go/internal/semrange"
)

var listCmd = &command{
	name:    "list",
	aliases: []string{"ls"},
	args:    "",
	summary: "show the installed dependency tree",
	help: `Shows the installed packages as a tree: legion.json's dependencies and,
under each, its own, with the range asked for and the version installed
(from legion.lock, checked against legion_modules). A package that appears
again is marked "deduped" and not expanded twice. It works offline.

It exits 1 when something is missing, at the wrong version, or modified
(its files do not match legion.lock's integrity); 'legion pkg install'
fixes each of these.`,
	run: (*app).runList,
}

// listNode is one line of the tree (and its JSON form).
type listNode struct {
	Name         string      `json:"name"`
	Range        string      `json:"range,omitempty"`
	Version      string      `json:"version,omitempty"` // locked version
	Installed    string      `json:"installed,omitempty"`
	Problem      string      `json:"problem,omitempty"`
	Deduped      bool        `json:"deduped,omitempty"`
	Dependencies []*listNode `json:"dependencies,omitempty"`
}

type listOutput struct {
	Name         string      `json:"name"`
	Version      string      `json:"version"`
	Dependencies []*listNode `json:"dependencies"`
	Problems     []string    `json:"problems"`
	Error        *jsonError  `json:"error,omitempty"`
}

func (a *app) runList(ctx context.Context, fs *flagSet, args []string) error {
	fs.withJSON()
	depth := fs.Int("depth", -1, "show dependencies `n` levels deep (0: direct only; -1: all)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg list takes no arguments")
	}
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "list")
	}
	lock, _, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "list")
	}
	if lock == nil {
		lock = &Lock{Packages: map[string]LockedPackage{}}
	}
	out := &listOutput{Name: m.Name, Version: m.Version, Dependencies: []*listNode{}, Problems: []string{}}
	shown := map[string]bool{}
	// Breadth-first, so that a package is expanded at its shallowest
	// occurrence and marked deduped deeper down.
	type item struct {
		node  *listNode
		level int
		path  []string
	}
	var queue []item
	addChildren := func(parent *listNode, deps map[string]string, level int, path []string) []*listNode {
		var nodes []*listNode
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			n := &listNode{Name: name, Range: deps[name]}
			lp, locked := lock.Packages[name]
			inst := installedVersion(a.env.Dir, name)
			switch {
			case !locked && inst == "":
				n.Problem = "not installed"
			case !locked:
				n.Installed = inst
				n.Problem = "not in " + lockFile
			default:
				n.Version = lp.Version
				n.Installed = inst
				switch problem := moduleProblem(a.env.Dir, name, lp); problem {
				case "":
				case "missing":
					n.Problem = "missing from " + modulesDir
				case "modified":
					n.Problem = "modified: its files do not match " + lockFile
				default: // another version
					n.Problem = "installed " + inst + ", locked " + lp.Version
				}
			}
			if n.Problem == "" {
				r, err := semrange.Parse(n.Range)
				if v := versionOf(n.Version); err == nil && v != nil && !r.Contains(v) {
					n.Problem = "does not satisfy " + n.Range
				}
			}
			switch {
			case slices.Contains(path, name):
				n.Deduped = true // a cycle: shown above, on this very path
			case shown[name]:
				n.Deduped = true
			default:
				shown[name] = true
				if locked && (*depth < 0 || level < *depth) {
					queue = append(queue, item{n, level + 1, append(slices.Clone(path), name)})
				}
			}
			// A problem is counted once, where the package is first shown;
			// its deduped repeats point back at it.
			if n.Problem != "" && !n.Deduped {
				out.Problems = append(out.Problems, strings.Join(append(slices.Clone(path), name), " → ")+": "+n.Problem)
			}
			nodes = append(nodes, n)
		}
		return nodes
	}
	root := m.Name
	if root == "" {
		root = "project"
	}
	out.Dependencies = addChildren(nil, m.Dependencies, 0, []string{root})
	if out.Dependencies == nil {
		out.Dependencies = []*listNode{}
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		it.node.Dependencies = addChildren(it.node, lock.Packages[it.node.Name].Dependencies, it.level, it.path)
	}

	var problemsErr error
	if len(out.Problems) > 0 {
		problemsErr = wrap(fmt.Errorf("%s (run 'legion pkg install'): %s", plural(len(out.Problems), "problem"), out.Problems[0]), "list")
	}
	if fs.json {
		out.Error = newJSONError(problemsErr, ExitCode(problemsErr))
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	} else {
		t := newTable(a.stdout, "PACKAGE", "VERSION", "RANGE", "NOTE")
		t.row(root, m.Version, "", "")
		var walk func(nodes []*listNode, prefix string)
		walk = func(nodes []*listNode, prefix string) {
			for i, n := range nodes {
				branch, next := "├── ", "│   "
				if i == len(nodes)-1 {
					branch, next = "└── ", "    "
				}
				note := n.Problem
				if n.Deduped {
					note = strings.TrimSpace("deduped " + note)
				}
				t.row(prefix+branch+n.Name, n.Version, n.Range, note)
				walk(n.Dependencies, prefix+next)
			}
		}
		walk(out.Dependencies, "")
		t.flush()
		if len(out.Dependencies) == 0 {
			fmt.Fprintln(a.stdout, "(no dependencies)")
		}
	}
	return problemsErr
}
