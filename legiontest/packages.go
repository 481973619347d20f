package legiontest

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// --- packages ---

func (r *Registry) publish(c *reqCtx) (int, any) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, legion.ScopePublish)
	if f != nil {
		return c.failWith(f)
	}
	var body legion.PublishRequest
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	p, v, f := r.publishLocked(r.st, u.username, body, now)
	if f != nil {
		return c.failWith(f)
	}
	return http.StatusCreated, publishedBody{
		Success: true,
		Message: "Published " + p.name + "@" + v.v.Original(),
		Version: p.version(v, true),
	}
}

// validatePublish checks a version to publish; ranges remembers the
// dependency ranges already found valid (it may be nil).
func validatePublish(req legion.PublishRequest, ranges rangeMemo) *failure {
	bad := func(msg string) *failure { return &failure{http.StatusBadRequest, msg} }
	switch {
	case req.Name == "":
		return bad("name is required")
	case !validPackageName(req.Name):
		return bad("name " + nameRule)
	case reservedName(req.Name):
		return bad(fmt.Sprintf("name %q is reserved", req.Name))
	case req.Version == "":
		return bad("version is required")
	}
	if _, err := semrange.ParseVersion(req.Version); err != nil {
		return bad("version must be a strict semantic version like 1.2.3 or 2.0.0-rc.1")
	}
	if msg := checkSizes(req); msg != "" {
		return bad(msg)
	}
	for _, name := range sortedKeys(req.Dependencies) {
		if !validPackageName(name) {
			return bad(fmt.Sprintf("dependencies: %q is not a valid package name", clip(name)))
		}
		if !ranges.valid(req.Dependencies[name]) {
			return bad(fmt.Sprintf("dependencies: %s: invalid range %q", name, clip(req.Dependencies[name])))
		}
	}
	return nil
}

// publishLocked validates and stores one version (r.mu held).
func (r *Registry) publishLocked(st *state, owner string, req legion.PublishRequest, at time.Time) (*pkgRec, *versionRec, *failure) {
	if f := validatePublish(req, st.ranges); f != nil {
		return nil, nil, f
	}
	v, _ := semrange.ParseVersion(req.Version)
	p := st.pkgs[req.Name]
	if p != nil && p.owner != owner {
		return nil, nil, &failure{http.StatusForbidden, fmt.Sprintf("package %q belongs to another user", req.Name)}
	}
	if p != nil && p.find(v) != nil {
		return nil, nil, alreadyPublished(req.Name, v)
	}
	if p == nil {
		p = newPkgRec(req.Name, owner, newVersionRec(v, req, at, nil))
		st.pkgs[req.Name] = p
		st.idx.add(p)
		return p, p.latest, nil
	}
	vr := newVersionRec(v, req, at, p.latest.keywords)
	st.idx.update(p, true, func() { p.addVersion(vr) }, byRecent, byNewest)
	return p, vr, nil
}

func alreadyPublished(name string, v *semver.Version) *failure {
	return &failure{http.StatusConflict, fmt.Sprintf("%s@%s is already published", name, v.Original())}
}

// newVersionRec makes the record of one version. Its keywords share the
// slice of the previous version's (prevKeywords) when they are equal:
// records are immutable and most versions repeat their keywords.
func newVersionRec(v *semver.Version, req legion.PublishRequest, at time.Time, prevKeywords []string) *versionRec {
	vr := &versionRec{
		v:           v,
		description: req.Description,
		license:     req.License,
		readme:      req.Readme,
		keywords:    prevKeywords,
		publishedAt: at,
	}
	if !slices.Equal(prevKeywords, req.Keywords) || (prevKeywords == nil) != (req.Keywords == nil) {
		vr.keywords = slices.Clone(req.Keywords)
	}
	if len(req.Dependencies) > 0 {
		vr.deps = make(map[string]string, len(req.Dependencies))
		for k, d := range req.Dependencies {
			vr.deps[k] = d
		}
	}
	return vr
}

func newPkgRec(name, owner string, first *versionRec) *pkgRec {
	at := first.publishedAt
	p := &pkgRec{name: name, owner: owner, createdAt: at, updatedAt: at, versions: []*versionRec{first}}
	p.refresh()
	return p
}

// addVersion inserts v and widens the package's creation and update
// times to its publication; false when an equal version is there.
func (p *pkgRec) addVersion(v *versionRec) bool {
	if !p.insert(v) {
		return false
	}
	if v.publishedAt.After(p.updatedAt) {
		p.updatedAt = v.publishedAt
	}
	if v.publishedAt.Before(p.createdAt) {
		p.createdAt = v.publishedAt
	}
	return true
}

func (r *Registry) unpublish(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, legion.ScopePublish)
	if f != nil {
		return c.failWith(f)
	}
	var body struct {
		Name string `json:"name"`
	}
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	if body.Name == "" {
		return c.fail(http.StatusBadRequest, "name is required")
	}
	p := r.st.pkgs[body.Name]
	if p == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("package %q not found", clip(body.Name)))
	}
	if p.owner != u.username {
		return c.fail(http.StatusForbidden, fmt.Sprintf("package %q belongs to another user", body.Name))
	}
	r.st.idx.remove(p)
	delete(r.st.pkgs, body.Name)
	// Advisories describe the code that is gone; a later owner of the
	// name must not inherit them.
	delete(r.st.advisories, body.Name)
	return http.StatusOK, okBody{Success: true, Message: "Unpublished " + body.Name}
}

func (r *Registry) getPackage(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[c.segs[1]]
	if p == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("package %q not found", clip(c.segs[1])))
	}
	if c.req.Method != http.MethodHead { // a HEAD fetches nothing
		r.st.idx.update(p, false, func() { p.downloads++ }, byDownloads)
	}
	return http.StatusOK, packageBody{true, p.wire()}
}

func (r *Registry) listVersions(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[c.segs[1]]
	if p == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("package %q not found", clip(c.segs[1])))
	}
	out := make([]legion.PackageVersion, len(p.versions))
	for i, v := range p.versions {
		out[i] = p.version(v, false)
	}
	return http.StatusOK, versionsBody{true, out}
}

func (r *Registry) download(c *reqCtx) (int, any) {
	name, ver := c.segs[1], c.segs[2]
	var want *semver.Version
	if ver != legion.Latest {
		v, err := semrange.ParseVersion(ver)
		if err != nil {
			return c.fail(http.StatusBadRequest, "version must be a strict semantic version like 1.2.3, or latest")
		}
		want = v
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[name]
	if p == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("package %q not found", clip(name)))
	}
	v := p.latest
	if want != nil {
		if v = p.find(want); v == nil {
			return c.fail(http.StatusNotFound, fmt.Sprintf("version %s of %q not found", want.Original(), name))
		}
	}
	return http.StatusOK, downloadBody{true, p.version(v, true)}
}

// intParam reads an integer query parameter; an absent or empty one is
// def, anything else must be an integer in [lo, hi].
func intParam(q url.Values, key string, def, lo, hi int) (int, bool) {
	s := q.Get(key)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

const (
	defaultLimit = 20
	maxLimit     = legion.MaxLimit
	defaultSort  = "downloads"
	popularCount = 10
)

// sortKey is an order of the package listing.
type sortKey uint8

const (
	byDownloads sortKey = iota
	byName
	byRecent
	byNewest
	numSortKeys
)

var sortKeys = map[string]sortKey{"downloads": byDownloads, "name": byName, "recent": byRecent, "newest": byNewest}

// compare orders by k, breaking every tie by name so that the order is
// total and pages never overlap or skip.
func (k sortKey) compare(a, b *pkgRec) int {
	var c int
	switch k {
	case byDownloads:
		c = cmp.Compare(b.downloads, a.downloads)
	case byRecent:
		c = b.updatedAt.Compare(a.updatedAt)
	case byNewest:
		c = b.createdAt.Compare(a.createdAt)
	}
	if c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}

// sortPackages orders ps by key (one of sortKeys).
func sortPackages(ps []*pkgRec, key string) {
	slices.SortFunc(ps, sortKeys[key].compare)
}

func (p *pkgRec) matches(filter string) bool {
	if strings.Contains(p.lname, filter) || strings.Contains(p.ldesc, filter) {
		return true
	}
	for _, k := range p.lkeywords {
		if strings.Contains(k, filter) {
			return true
		}
	}
	return false
}

func (r *Registry) listPackages(c *reqCtx) (int, any) {
	q := c.req.URL.Query()
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = defaultSort
	}
	key, ok := sortKeys[sortBy]
	if !ok {
		return c.fail(http.StatusBadRequest, "sort must be one of downloads, name, recent, newest")
	}
	page, valid := intParam(q, "page", 1, 1, math.MaxInt)
	if !valid {
		return c.fail(http.StatusBadRequest, "page must be a positive integer")
	}
	limit, valid := intParam(q, "limit", defaultLimit, 1, maxLimit)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("limit must be an integer from 1 to %d", maxLimit))
	}
	filter := strings.ToLower(strings.TrimSpace(q.Get("q")))

	r.mu.Lock()
	defer r.mu.Unlock()
	list, total := r.st.listLocked(filter, key, page, limit)
	out := make([]legion.Package, 0, len(list))
	for _, p := range list {
		out = append(out, p.summary())
	}
	return http.StatusOK, packageListBody{true, legion.PackageList{Packages: out, Total: total, Page: page, Limit: limit}}
}

// listLocked is one page of the packages matching filter (all when
// empty), in order k, and how many match.
func (st *state) listLocked(filter string, k sortKey, page, limit int) ([]*pkgRec, int) {
	ix := st.idx
	ix.ready(st.pkgs)
	if filter == "" {
		total := len(st.pkgs)
		start, end := pageBounds(total, page, limit)
		return ix.page(k, false, start, end), total
	}
	total := 0
	// A name holds no textSep, so a filter found before the first one is
	// in the name: a match without a look at the package's fields.
	ix.text.scan(filter, func(id int32, seg []byte) {
		name, _, _ := bytes.Cut(seg, []byte{textSep})
		if bytes.Contains(name, []byte(filter)) || ix.byID[id].matches(filter) {
			ix.mark(id)
			total++
		}
	})
	start, end := pageBounds(total, page, limit)
	list := ix.page(k, true, start, end)
	ix.clearMarks()
	return list, total
}

// pageBounds is the slice [start, end) of total items that page shows;
// empty past the last page.
func pageBounds(total, page, limit int) (start, end int) {
	start = total
	if page-1 < total/limit+1 {
		start = min((page-1)*limit, total)
	}
	return start, min(start+limit, total)
}
