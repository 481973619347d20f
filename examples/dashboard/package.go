package main

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

type packageData struct {
	Name           string
	Shown          legion.PackageVersion   // the version the page is about
	IsLatest       bool                    // Shown is the latest
	Latest         legion.PackageVersion   // the registry's latest
	Versions       []legion.PackageVersion // in publish order, newest first
	Dependencies   []dependency            // of Shown
	Advisories     []advisory
	Readme         template.HTML // Shown's, rendered
	Install        string        // the command that installs Shown
	AuditedVersion string
}

type dependency struct{ Name, Range string }

type advisory struct {
	legion.Advisory
	AffectsShown bool
}

// pkgDir sends /packages/NAME/ to /packages/NAME.
func (s *server) pkgDir(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/packages/"+url.PathEscape(r.PathValue("name")), http.StatusMovedPermanently)
}

func (s *server) pkg(w http.ResponseWriter, r *http.Request) {
	name, version := r.PathValue("name"), r.PathValue("version")
	ctx, cancel := context.WithTimeout(r.Context(), s.wait)
	defer cancel()
	var versions []legion.PackageVersion
	var report *legion.AuditReport
	var meta *legion.PackageVersion // the download metadata: the readme
	f := fetches{ctx: ctx}
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		versions, st, err = load(ctx, s.cache, "versions "+name, func(ctx context.Context) ([]legion.PackageVersion, error) {
			return s.c.ListVersions(ctx, name)
		})
		return st, err
	})
	// Every advisory against any published version ("*" admits them all,
	// prereleases too with the audit's rules).
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		report, st, err = load(ctx, s.cache, "audit "+name, func(ctx context.Context) (*legion.AuditReport, error) {
			return s.c.Audit(ctx, map[string]string{name: "*"})
		})
		return st, err
	})
	// The download metadata does not count a download (only GET
	// /packages/:name does); it carries the readme.
	f.goFetch(func(ctx context.Context) (st time.Time, err error) {
		v := cmp.Or(version, legion.Latest)
		meta, st, err = load(ctx, s.cache, "meta "+name+" "+v, func(ctx context.Context) (*legion.PackageVersion, error) {
			return s.c.Download(ctx, name, v)
		})
		return st, err
	})
	stale, err := f.wait()
	if err != nil {
		msg := "There is no package named “" + name + "” in this registry."
		if version != "" && versions != nil {
			msg = "“" + name + "” has no version " + version + "."
		}
		s.failRegistry(w, r, err, msg)
		return
	}
	if len(versions) == 0 {
		s.fail(w, r, http.StatusNotFound, "Not found", "“"+name+"” has no published versions.")
		return
	}
	d := packageData{Name: name, Versions: slices.Clone(versions), Latest: latest(versions)}
	slices.SortStableFunc(d.Versions, func(a, b legion.PackageVersion) int {
		return cmp.Or(b.PublishedAt.Compare(a.PublishedAt), b.Version.Compare(a.Version))
	})
	d.Shown = d.Latest
	if version != "" {
		i := slices.IndexFunc(versions, func(v legion.PackageVersion) bool { return v.Version.Equal(meta.Version) })
		if i < 0 {
			s.fail(w, r, http.StatusNotFound, "Not found", "“"+name+"” has no version "+version+".")
			return
		}
		d.Shown = versions[i]
	}
	d.IsLatest = d.Shown.Version.Equal(d.Latest.Version)
	d.Install = "legion pkg install " + name + "@" + d.Shown.Version.String()
	deps := d.Shown.Dependencies
	if deps == nil { // the versions list may leave them out; the metadata has them
		deps = meta.Dependencies
	}
	for n, rng := range deps {
		d.Dependencies = append(d.Dependencies, dependency{n, rng})
	}
	slices.SortFunc(d.Dependencies, func(a, b dependency) int { return strings.Compare(a.Name, b.Name) })
	if d.Shown.Version.Equal(meta.Version) {
		d.Readme = markdown(meta.Readme)
	}
	for _, a := range report.Advisories {
		d.Advisories = append(d.Advisories, advisory{a, slices.Contains(a.Versions, d.Shown.Version.String())})
	}
	title := name
	if version != "" {
		title += " " + d.Shown.Version.String()
	}
	s.render(w, r, http.StatusOK, "package", page{Title: title, Stale: stale, Data: d,
		Description: cmp.Or(d.Shown.Description, "The package "+name+" in the Legion registry.")})
}

// latest is the registry's rule: the highest release, or the highest
// prerelease when there is no release.
func latest(vs []legion.PackageVersion) legion.PackageVersion {
	best := vs[0]
	for _, v := range vs[1:] {
		bestPre, pre := best.Version.Prerelease() != "", v.Version.Prerelease() != ""
		if (bestPre && !pre) || (bestPre == pre && v.Version.GreaterThan(best.Version)) {
			best = v
		}
	}
	return best
}
