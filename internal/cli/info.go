package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
	"github.com/legion-registry/legion-go/internal/textsafe"
)

var infoCmd = &command{
	name:    "info",
	args:    "<pkg>[@<version-or-range>]",
	summary: "show a package's metadata",
	help: `Shows a package's metadata: latest version, description, author, license,
keywords, the latest version's dependencies and every published version.

It reads the registry's package endpoint (GET /packages/<pkg>), which the
registry counts as a download of the package. install, search and list
never do.

With @<version> (or @latest, or a range such as @^1.2), shows that version's
metadata instead, from GET /packages/<pkg>/<version>/download, which counts
nothing; a range is resolved with the versions list. A version is matched
with its build metadata: @1.0.0+build.6 is not found when the registry
has 1.0.0+build.5 (exit 4), although semver gives both the same precedence.`,
	run: (*app).runInfo,
}

func (a *app) runInfo(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	readme := fs.Bool("readme", false, "print the README too")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("pkg info takes one package name")
	}
	name, want, hasVersion := strings.Cut(pos[0], "@")
	if err := checkPackageName(name); err != nil {
		return usagef("pkg info: %v", err)
	}
	if hasVersion && want == "" {
		return usagef("pkg info: %q names no version after '@'", pos[0])
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "info")
	}
	if hasVersion {
		return a.infoVersion(ctx, c, fs.json, *readme, name, want)
	}
	p, err := c.GetPackage(ctx, name)
	if err != nil {
		return wrap(err, "info %s", name)
	}
	if fs.json {
		return writeJSON(a.stdout, p)
	}
	head := p.Name
	if p.Latest != nil {
		head += "@" + p.Latest.Original()
	}
	var versions []string
	for _, v := range p.Versions {
		if v.Version != nil {
			versions = append(versions, v.Version.Original())
		}
	}
	printInfo(a.stdout, head, p.Description, [][2]string{
		{"author", p.Author}, {"license", p.License}, {"keywords", strings.Join(p.Keywords, ", ")},
		{"downloads", strconv.FormatInt(p.Downloads, 10)}, {"versions", strings.Join(versions, ", ")},
		{"created", formatTime(p.CreatedAt)}, {"updated", formatTime(p.UpdatedAt)},
	}, p.Dependencies, p.Readme, *readme)
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// infoVersion shows one version: an exact version or latest through the
// download metadata, a range through Resolve first.
func (a *app) infoVersion(ctx context.Context, c *legion.Client, asJSON, readme bool, name, want string) error {
	version := want
	var exact *semver.Version // the version asked for, build metadata included
	if want != legion.Latest {
		var err error
		if exact, err = semver.StrictNewVersion(want); err != nil {
			if _, err := semrange.Parse(want); err != nil {
				return usagef("pkg info: %q is neither a version nor a range", want)
			}
			v, err := c.Resolve(ctx, name, want)
			if err != nil {
				return wrap(err, "info %s@%s", name, want)
			}
			version, exact = v.Version.Original(), v.Version
		}
	}
	v, err := c.Download(ctx, name, version)
	if err == nil && exact != nil {
		err = checkServed(name, exact, v)
	}
	if err != nil {
		return wrap(err, "info %s@%s", name, want)
	}
	if asJSON {
		return writeJSON(a.stdout, v)
	}
	printInfo(a.stdout, name+"@"+v.Version.Original(), v.Description, [][2]string{
		{"author", v.Author}, {"license", v.License}, {"keywords", strings.Join(v.Keywords, ", ")},
		{"published", formatTime(v.PublishedAt)},
	}, v.Dependencies, v.Readme, readme)
	return nil
}

// printInfo prints what info shows of a package or a version: a heading,
// the description, the fields that are set, the dependencies, the README,
// all through termSafe (the table's cells too).
func printInfo(w io.Writer, head, description string, fields [][2]string, deps map[string]string, readme string, showReadme bool) {
	fmt.Fprintln(w, textsafe.Text(head))
	if description != "" {
		fmt.Fprintln(w, strings.Join(strings.Fields(textsafe.Text(description)), " "))
	}
	fmt.Fprintln(w)
	t := newTable(w)
	for _, f := range fields {
		if f[1] != "" {
			t.row(f[0]+":", f[1])
		}
	}
	t.flush()
	if len(deps) > 0 {
		fmt.Fprintf(w, "\n%s:\n", plural(len(deps), "dependency"))
		t := newTable(w)
		for _, d := range slices.Sorted(maps.Keys(deps)) {
			t.row("  "+d, deps[d])
		}
		t.flush()
	}
	if showReadme && readme != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, textsafe.Text(strings.TrimRight(readme, "\n")))
	}
}
