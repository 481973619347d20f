package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

var outdatedCmd = &command{
	name:    "outdated",
	summary: "show dependencies with newer versions (current, wanted, latest)",
	help: `For each dependency in legion.json: the version installed (legion.lock's),
the highest version its range allows ("wanted", what 'legion pkg update'
would install) and the registry's latest. Lists every dependency whose
installed version is not both; exits 0 either way. Reads only the
versions endpoint, which counts no download.`,
	run: (*app).runOutdated,
}

// outdatedRow is one dependency in `outdated --json`.
type outdatedRow struct {
	Name    string `json:"name"`
	Range   string `json:"range"`
	Current string `json:"current,omitempty"` // "" when not installed
	Wanted  string `json:"wanted,omitempty"`  // "" when no version satisfies the range
	Latest  string `json:"latest"`
}

func (a *app) runOutdated(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg outdated takes no arguments")
	}
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "outdated")
	}
	lock, _, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "outdated")
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "outdated")
	}
	names := slices.Sorted(maps.Keys(m.Dependencies))
	rows := make([]outdatedRow, len(names))
	err = forEach(ctx, len(names), defaultConcurrency, func(ctx context.Context, i int) error {
		name := names[i]
		row := outdatedRow{Name: name, Range: m.Dependencies[name]}
		if lock != nil {
			row.Current = lock.Packages[name].Version
		}
		list, err := c.ListVersions(ctx, name)
		if err != nil {
			return wrap(err, "outdated %s", name)
		}
		var vs []*semver.Version
		for _, pv := range list {
			vs = append(vs, pv.Version)
		}
		if r, err := semrange.Parse(row.Range); err == nil {
			if w := r.Max(vs); w != nil {
				row.Wanted = w.Original()
			}
		}
		if l := registryLatest(vs); l != nil {
			row.Latest = l.Original()
		}
		rows[i] = row
		return nil
	})
	if err != nil {
		return err
	}
	var out []outdatedRow
	for _, r := range rows {
		if r.Current != r.Wanted || r.Current != r.Latest {
			out = append(out, r)
		}
	}
	if fs.json {
		if out == nil {
			out = []outdatedRow{}
		}
		return writeJSON(a.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintf(a.stdout, "all %s up to date\n", plural(len(rows), "dependency"))
		return nil
	}
	t := newTable(a.stdout)
	t.row("package", "current", "wanted", "latest")
	for _, r := range out {
		cur := r.Current
		if cur == "" {
			cur = "missing"
		}
		t.row(r.Name, cur, r.Wanted, r.Latest)
	}
	t.flush()
	return nil
}

// registryLatest is the registry's "latest": the highest release, or the
// highest prerelease when there is no release.
func registryLatest(vs []*semver.Version) *semver.Version {
	var best *semver.Version
	for _, v := range vs {
		if v == nil {
			continue
		}
		if best == nil ||
			(v.Prerelease() == "") != (best.Prerelease() == "") && v.Prerelease() == "" ||
			(v.Prerelease() == "") == (best.Prerelease() == "") && v.GreaterThan(best) {
			best = v
		}
	}
	return best
}
