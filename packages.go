package legion

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/Masterminds/semver/v3"
)

// Package is a package's metadata. GetPackage fills every field; listings,
// search and stats fill what the registry sends for a summary.
type Package struct {
	Name         string            `json:"name"`
	Description  string            `json:"description,omitempty"`
	Author       string            `json:"author,omitempty"` // the owner's username
	License      string            `json:"license,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Readme       string            `json:"readme,omitempty"`
	Latest       *semver.Version   `json:"latest,omitempty"` // highest release (highest prerelease if there is none)
	Versions     []PackageVersion  `json:"versions,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"` // of the latest version
	Downloads    int64             `json:"downloads"`
	Score        float64           `json:"score,omitempty"` // search relevance; search results only
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
}

// PackageVersion is one published version: an entry of the versions list,
// the download metadata, or what Publish answers.
type PackageVersion struct {
	Name        string          `json:"name,omitempty"`
	Version     *semver.Version `json:"version"`
	Description string          `json:"description,omitempty"`
	Author      string          `json:"author,omitempty"`
	License     string          `json:"license,omitempty"`
	Keywords    []string        `json:"keywords,omitempty"`
	Readme      string          `json:"readme,omitempty"`
	// Dependencies maps names to npm-style ranges. It is non-nil (perhaps
	// empty) whenever the registry sent the field, and nil when it did not,
	// so a caller can tell "no dependencies" from "not included here".
	Dependencies map[string]string `json:"dependencies"`
	PublishedAt  time.Time         `json:"publishedAt"`
	// Reconciled is set by Publish when the publish's answer was lost and
	// the versions list showed that it happened (see Publish).
	Reconciled bool `json:"-"`
}

// Sort orders a package listing.
type Sort string

const (
	SortDownloads Sort = "downloads" // most downloaded first
	SortName      Sort = "name"      // alphabetical
	SortRecent    Sort = "recent"    // most recently updated first
	SortNewest    Sort = "newest"    // most recently created first
)

// MaxLimit is the largest page the registry serves.
const MaxLimit = 100

// ListOptions are the query parameters of GET /packages. The zero value
// asks for the registry's defaults. Methods never modify it.
type ListOptions struct {
	Sort  Sort   // "" for the registry's default
	Page  int    // 1-based; 0 for the first page
	Limit int    // 1..100; 0 for the registry's default
	Query string // filter (q)
}

func (o *ListOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	switch o.Sort {
	case "", SortDownloads, SortName, SortRecent, SortNewest:
	default:
		return nil, &ArgumentError{Arg: "sort", Reason: "must be downloads, name, recent or newest"}
	}
	if o.Page < 0 {
		return nil, &ArgumentError{Arg: "page", Reason: "must not be negative"}
	}
	if err := validateLimit(o.Limit); err != nil {
		return nil, err
	}
	setNonZero(q, "sort", string(o.Sort))
	setNonZero(q, "page", itoa(o.Page))
	setNonZero(q, "limit", itoa(o.Limit))
	setNonZero(q, "q", o.Query)
	return q, nil
}

func validateLimit(limit int) error {
	if limit < 0 || limit > MaxLimit {
		return &ArgumentError{Arg: "limit", Reason: "must be between 1 and 100 (0 for the default)"}
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func setNonZero(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// PackageList is one page of a listing.
type PackageList struct {
	Packages []Package `json:"packages"`
	Total    int       `json:"total"` // packages matching, over all pages
	Page     int       `json:"page"`
	Limit    int       `json:"limit"`
}

// ListPackages returns one page of packages.
//
// GET /packages
func (c *Client) ListPackages(ctx context.Context, opts *ListOptions) (*PackageList, error) {
	q, err := opts.values()
	if err != nil {
		return nil, err
	}
	var env pageEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/packages", query: q}, &env); err != nil {
		return nil, err
	}
	return &PackageList{Packages: packages(env.Packages), Total: env.Total, Page: env.Page, Limit: env.Limit}, nil
}

// AllPackages iterates over every package of the listing, page by page,
// starting at opts.Page. It stops at the first error, which it yields.
//
// GET /packages (repeatedly)
func (c *Client) AllPackages(ctx context.Context, opts *ListOptions) iter.Seq2[Package, error] {
	return func(yield func(Package, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		o.Page = max(o.Page, 1)
		if o.Limit == 0 {
			o.Limit = MaxLimit
		}
		var size, seen int // the registry's page size; packages up to here
		var prev []string  // the previous page's names
		for {
			list, err := c.ListPackages(ctx, &o)
			if err != nil {
				yield(Package{}, err)
				return
			}
			// A registry that ignores "page" serves the same page again:
			// stop rather than loop forever or yield duplicates, and say
			// so when its total promises more.
			if len(list.Packages) > 0 && samePage(prev, list.Packages) {
				if list.Total > seen {
					yield(Package{}, fmt.Errorf("%w: page %d repeats page %d (the registry ignores \"page\"); %d of %d packages listed",
						ErrInvalidResponse, o.Page, o.Page-1, seen, list.Total))
				}
				return
			}
			prev = prev[:0]
			for _, p := range list.Packages {
				prev = append(prev, p.Name)
			}
			for _, p := range list.Packages {
				if !yield(p, nil) {
					return
				}
			}
			// A registry may serve smaller pages than asked (its own
			// limit, which it may send back): the end is an empty page or
			// the total reached, never merely a short page. The pages
			// skipped before the first were of the registry's size.
			if size == 0 {
				size = o.Limit
				if list.Limit > 0 && list.Limit < size {
					size = list.Limit
				} else if n := len(list.Packages); n > 0 && n < size {
					size = n
				}
				seen = (o.Page - 1) * size
			}
			seen += len(list.Packages)
			if len(list.Packages) == 0 || (list.Total > 0 && seen >= list.Total) {
				return
			}
			o.Page++
		}
	}
}

// GetPackage returns a package's full metadata. The registry counts every
// call as a download; to look up versions without counting, use
// ListVersions or Resolve.
//
// GET /packages/{name}
func (c *Client) GetPackage(ctx context.Context, name string) (*Package, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	var env packageEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/packages/" + pathSegment(name)}, &env); err != nil {
		return nil, err
	}
	p := env.pkg()
	return &p, nil
}

func samePage(prev []string, ps []Package) bool {
	if len(prev) != len(ps) {
		return false
	}
	for i := range ps {
		if ps[i].Name != prev[i] {
			return false
		}
	}
	return true
}

// ListVersions returns every published version of a package with its
// timestamp. It does not count a download.
//
// GET /packages/{name}/versions
func (c *Client) ListVersions(ctx context.Context, name string) ([]PackageVersion, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	var env versionsEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/packages/" + pathSegment(name) + "/versions"}, &env); err != nil {
		return nil, err
	}
	vs := env.Versions.versions()
	if vs == nil {
		vs = []PackageVersion{}
	}
	return vs, nil
}

// Latest is the version argument of Download (and range of Resolve) that
// names the highest release, or the highest prerelease when a package has
// no release.
const Latest = "latest"

// Download returns the download metadata of one version (its readme and
// dependencies included), or of the latest one when version is "latest".
// Unlike GetPackage it does not count as a download (Part 2 of the
// reference: only GET /packages/:name does).
//
// GET /packages/{name}/{version}/download
func (c *Client) Download(ctx context.Context, name, version string) (*PackageVersion, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	if version != Latest {
		if err := validateVersion(version); err != nil {
			return nil, err
		}
	}
	var env versionEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/packages/" + pathSegment(name) + "/" + pathSegment(version) + "/download"}, &env); err != nil {
		return nil, err
	}
	v := env.version()
	return &v, nil
}
