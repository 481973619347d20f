package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

var infoCmd = &command{
	name:    "info",
	args:    "<pkg>",
	summary: "show a package's metadata",
	help: `Shows a package's metadata: latest version, description, author, license,
keywords, the latest version's dependencies and every published version.

It reads the registry's package endpoint (GET /packages/<pkg>), which the
registry counts as a download of the package. install, search and list
never do.`,
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
	name := pos[0]
	if err := checkPackageName(name); err != nil {
		return usagef("pkg info: %v", err)
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "info")
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
