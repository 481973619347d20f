package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

var publishCmd = &command{
	name:    "publish",
	args:    "",
	summary: "publish this project's version to the registry",
	help: `Publishes the project that legion.json describes (name, version,
description, license, keywords, dependencies) with README.md, if present,
as its readme. Needs a token with the publish scope (log in first, or set
LEGION_TOKEN). Publishing a version that already exists fails with exit 5;
bump "version" in legion.json first.`,
	run: (*app).runPublish,
}

func (a *app) runPublish(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	dryRun := fs.Bool("dry-run", false, "check and show what would be published, without publishing")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg publish takes no arguments (it publishes the project in the current directory)")
	}
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "publish")
	}
	if err := checkPublishable(m); err != nil {
		return wrap(err, "publish: %s", manifestFile)
	}
	readme, err := readFileIfExists(filepath.Join(a.env.Dir, readmeFile))
	if err != nil {
		return wrap(err, "publish")
	}
	req := legion.PublishRequest{
		Name:         m.Name,
		Version:      m.Version,
		Description:  m.Description,
		License:      m.License,
		Keywords:     m.Keywords,
		Readme:       string(readme),
		Dependencies: m.Dependencies,
	}
	if *dryRun {
		if fs.json {
			return writeJSON(a.stdout, req)
		}
		fmt.Fprintf(a.stdout, "would publish %s@%s (%s, readme: %d bytes)\n",
			req.Name, req.Version, plural(len(req.Dependencies), "dependency"), len(req.Readme))
		return nil
	}
	c, s, err := a.client(fs.registry, true)
	if err != nil {
		return wrap(err, "publish %s@%s", m.Name, m.Version)
	}
	a.warnUnknownDependencies(ctx, c, m.Dependencies)
	pv, err := c.Publish(ctx, req)
	if err != nil {
		if errors.Is(err, legion.ErrConflict) {
			return wrap(withHint(err, "bump \"version\" in "+manifestFile), "publish %s@%s", m.Name, m.Version)
		}
		return wrap(reloginHint(err, s), "publish %s@%s", m.Name, m.Version)
	}
	if fs.json {
		return writeJSON(a.stdout, pv)
	}
	fmt.Fprintf(a.stdout, "published %s@%s to %s\n", m.Name, m.Version, s.registry)
	return nil
}

// checkPublishable checks what the registry would reject, before sending.
func checkPublishable(m *Manifest) error {
	if m.Name == "" {
		return errors.New(`"name" is empty`)
	}
	if err := checkPackageName(m.Name); err != nil {
		return err
	}
	if m.Version == "" {
		return errors.New(`"version" is empty`)
	}
	if _, err := semrange.ParseVersion(m.Version); err != nil {
		return fmt.Errorf(`"version" %q is not a semantic version like 1.2.3`, m.Version)
	}
	return m.checkDependencies()
}

// warnUnknownDependencies warns, without failing the publish, about each
// dependency the registry does not have: nobody could install the result
// until it exists. It reads the versions endpoint, which counts nothing.
func (a *app) warnUnknownDependencies(ctx context.Context, c *legion.Client, deps map[string]string) {
	names := slices.Sorted(maps.Keys(deps))
	missing := make([]bool, len(names))
	_ = forEach(ctx, len(names), defaultConcurrency, func(ctx context.Context, i int) error {
		_, err := c.ListVersions(ctx, names[i])
		missing[i] = errors.Is(err, legion.ErrNotFound)
		return nil
	})
	for i, n := range names {
		if missing[i] {
			fmt.Fprintf(a.stderr, "legion: warning: dependency %s is not in the registry; installs of this package will fail until it is published\n", n)
		}
	}
}
