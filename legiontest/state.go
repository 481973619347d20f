package legiontest

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// state is everything a snapshot holds. It is guarded by Registry.mu.
type state struct {
	users      map[string]*userRec  // by username
	emails     map[string]string    // lower-cased email → username
	tokens     map[string]*tokenRec // by hex SHA-256 of the token
	tokenIDs   map[string]*tokenRec // by short id (unique registry-wide)
	pkgs       map[string]*pkgRec
	advisories map[string][]*advisoryRec // by package, sorted by id
	advIDs     map[string]bool
	nextAdv    int
	idx        *index // over pkgs, for search and the listing
	ranges     rangeMemo
}

func newState() *state {
	return &state{
		users:      map[string]*userRec{},
		emails:     map[string]string{},
		tokens:     map[string]*tokenRec{},
		tokenIDs:   map[string]*tokenRec{},
		pkgs:       map[string]*pkgRec{},
		advisories: map[string][]*advisoryRec{},
		advIDs:     map[string]bool{},
		idx:        newIndex(),
		ranges:     rangeMemo{},
	}
}

// rangeMemo remembers dependency ranges that parse, since parsing one
// costs far more than looking it up and a seeded registry repeats a few
// ranges across many packages. It holds short ranges only, and forgets
// everything when full.
type rangeMemo map[string]bool

const rangeMemoSize = 1024

// valid reports whether s parses as a range; m may be nil.
func (m rangeMemo) valid(s string) bool {
	if m[s] {
		return true
	}
	if _, err := semrange.Parse(s); err != nil {
		return false
	}
	if m != nil && len(s) <= 64 {
		if len(m) >= rangeMemoSize {
			clear(m)
		}
		m[s] = true
	}
	return true
}

// clone deep-copies the mutable parts; version and advisory records are
// immutable once made and are shared. The clone's index starts stale.
func (st *state) clone() *state {
	c := newState()
	c.nextAdv = st.nextAdv
	for k, v := range st.emails {
		c.emails[k] = v
	}
	for name, u := range st.users {
		nu := *u
		nu.tokens = make([]*tokenRec, len(u.tokens))
		for i, t := range u.tokens {
			nt := *t
			nu.tokens[i] = &nt
			c.tokens[nt.hash] = &nt
			c.tokenIDs[nt.id] = &nt
		}
		c.users[name] = &nu
	}
	for name, p := range st.pkgs {
		np := *p
		np.versions = slices.Clone(p.versions)
		c.pkgs[name] = &np
	}
	for name, as := range st.advisories {
		c.advisories[name] = slices.Clone(as)
	}
	for id := range st.advIDs {
		c.advIDs[id] = true
	}
	return c
}

type userRec struct {
	username  string
	email     string
	createdAt time.Time
	pw        passwordHash
	tokens    []*tokenRec // in creation order
}

func (u *userRec) public() legion.User {
	return legion.User{Username: u.username, CreatedAt: u.createdAt}
}

func (u *userRec) private() legion.User {
	return legion.User{Username: u.username, Email: u.email, CreatedAt: u.createdAt}
}

type tokenRec struct {
	hash       string // hex SHA-256 of the full token
	id         string // last 8 characters
	prefix     string // first 8 characters
	name       string
	user       string
	scopes     []legion.Scope // canonical order: read, publish
	createdAt  time.Time
	lastUsedAt time.Time
}

func (t *tokenRec) has(s legion.Scope) bool { return slices.Contains(t.scopes, s) }

func (t *tokenRec) public() legion.Token {
	return legion.Token{
		ID:         t.id,
		Name:       t.name,
		Prefix:     t.prefix,
		Scopes:     slices.Clone(t.scopes),
		CreatedAt:  t.createdAt,
		LastUsedAt: t.lastUsedAt,
	}
}

type pkgRec struct {
	name      string
	owner     string
	createdAt time.Time
	updatedAt time.Time
	downloads int64
	versions  []*versionRec // ascending by semver
	latest    *versionRec
	// lower-cased search fields, from latest
	lname, ldesc string
	lkeywords    []string
	// where the index keeps p (meaningful while the index is not stale)
	id, seg int32
	text    *chunk
}

// versionRec is immutable once published.
type versionRec struct {
	v           *semver.Version
	description string
	license     string
	readme      string
	keywords    []string
	deps        map[string]string
	publishedAt time.Time
}

type advisoryRec struct {
	id       string
	pkg      string
	affected string
	rng      *semrange.Range
	severity legion.Severity
	title    string
	url      string
}

// insert adds v in semver order; it reports false when an equal version
// (one differing at most in build metadata) is already published.
func (p *pkgRec) insert(v *versionRec) bool {
	i := sort.Search(len(p.versions), func(i int) bool { return p.versions[i].v.Compare(v.v) >= 0 })
	if i < len(p.versions) && p.versions[i].v.Compare(v.v) == 0 {
		return false
	}
	p.versions = slices.Insert(p.versions, i, v)
	p.refresh()
	return true
}

// find returns the version equal to v, or nil.
func (p *pkgRec) find(v *semver.Version) *versionRec {
	i := sort.Search(len(p.versions), func(i int) bool { return p.versions[i].v.Compare(v) >= 0 })
	if i < len(p.versions) && p.versions[i].v.Compare(v) == 0 {
		return p.versions[i]
	}
	return nil
}

// refresh recomputes latest (the highest non-prerelease version, or the
// highest prerelease when there is no release) and the search fields.
func (p *pkgRec) refresh() {
	p.latest = p.versions[len(p.versions)-1]
	for i := len(p.versions) - 1; i >= 0; i-- {
		if p.versions[i].v.Prerelease() == "" {
			p.latest = p.versions[i]
			break
		}
	}
	p.lname = p.name
	p.ldesc = strings.ToLower(p.latest.description)
	p.lkeywords = make([]string, len(p.latest.keywords))
	for i, k := range p.latest.keywords {
		p.lkeywords[i] = strings.ToLower(k)
	}
}

// summary is a package as listings, search and stats show it: no readme,
// no versions, no dependencies. Slices and maps are shared with the
// immutable version record; inspection methods copy them.
func (p *pkgRec) summary() legion.Package {
	l := p.latest
	return legion.Package{
		Name:        p.name,
		Description: l.description,
		Author:      p.owner,
		License:     l.license,
		Keywords:    l.keywords,
		Latest:      l.v,
		Downloads:   p.downloads,
		CreatedAt:   p.createdAt,
		UpdatedAt:   p.updatedAt,
	}
}

// full is a package as GET /packages/:name shows it.
func (p *pkgRec) full() legion.Package {
	out := p.summary()
	out.Readme = p.latest.readme
	out.Dependencies = p.latest.deps
	out.Versions = make([]legion.PackageVersion, len(p.versions))
	for i, v := range p.versions {
		out.Versions[i] = legion.PackageVersion{Version: v.v, PublishedAt: v.publishedAt}
	}
	return out
}

// version is one version's metadata; readme only when withReadme.
// Dependencies is never nil: {} on the wire says "none", where the SDK
// reads a missing field as "not sent".
func (p *pkgRec) version(v *versionRec, withReadme bool) legion.PackageVersion {
	deps := v.deps
	if deps == nil {
		deps = map[string]string{}
	}
	pv := legion.PackageVersion{
		Name:         p.name,
		Version:      v.v,
		Description:  v.description,
		Author:       p.owner,
		License:      v.license,
		Keywords:     v.keywords,
		Dependencies: deps,
		PublishedAt:  v.publishedAt,
	}
	if withReadme {
		pv.Readme = v.readme
	}
	return pv
}
