package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
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
nothing; a range is resolved with the versions list.`,
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
	w := a.stdout
	head := p.Name
	if p.Latest != nil {
		head += "@" + p.Latest.Original()
	}
	fmt.Fprintln(w, head)
	if p.Description != "" {
		fmt.Fprintln(w, strings.Join(strings.Fields(p.Description), " "))
	}
	fmt.Fprintln(w)
	t := newTable(w)
	field := func(k, v string) {
		if v != "" {
			t.row(k+":", v)
		}
	}
	field("author", p.Author)
	field("license", p.License)
	field("keywords", strings.Join(p.Keywords, ", "))
	field("downloads", strconv.FormatInt(p.Downloads, 10))
	var versions []string
	for _, v := range p.Versions {
		if v.Version != nil {
			versions = append(versions, v.Version.Original())
		}
	}
	field("versions", strings.Join(versions, ", "))
	field("created", formatTime(p.CreatedAt))
	field("updated", formatTime(p.UpdatedAt))
	t.flush()
	if len(p.Dependencies) > 0 {
		fmt.Fprintln(w, "\ndependencies:")
		t := newTable(w)
		for _, d := range slices.Sorted(maps.Keys(p.Dependencies)) {
			t.row("  "+d, p.Dependencies[d])
		}
		t.flush()
	}
	if *readme && p.Readme != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.TrimRight(p.Readme, "\n"))
	}
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
	if want != legion.Latest {
		if _, err := semver.StrictNewVersion(want); err != nil {
			if _, err := semrange.Parse(want); err != nil {
				return usagef("pkg info: %q is neither a version nor a range", want)
			}
			v, err := c.Resolve(ctx, name, want)
			if err != nil {
				return wrap(err, "info %s@%s", name, want)
			}
			version = v.Version.Original()
		}
	}
	v, err := c.Download(ctx, name, version)
	if err != nil {
		return wrap(err, "info %s@%s", name, want)
	}
	if asJSON {
		return writeJSON(a.stdout, v)
	}
	w := a.stdout
	fmt.Fprintf(w, "%s@%s\n", name, v.Version.Original())
	if v.Description != "" {
		fmt.Fprintln(w, strings.Join(strings.Fields(v.Description), " "))
	}
	fmt.Fprintln(w)
	t := newTable(w)
	field := func(k, val string) {
		if val != "" {
			t.row(k+":", val)
		}
	}
	field("author", v.Author)
	field("license", v.License)
	field("keywords", strings.Join(v.Keywords, ", "))
	field("published", formatTime(v.PublishedAt))
	t.flush()
	if len(v.Dependencies) > 0 {
		fmt.Fprintf(w, "\n%s:\n", plural(len(v.Dependencies), "dependency"))
		t := newTable(w)
		for _, d := range slices.Sorted(maps.Keys(v.Dependencies)) {
			t.row("  "+d, v.Dependencies[d])
		}
		t.flush()
	}
	if readme && v.Readme != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.TrimRight(v.Readme, "\n"))
	}
	return nil
}
