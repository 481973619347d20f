package legiontest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// Seed is data loaded into a registry without HTTP, by WithSeed or
// Registry.Seed. It is JSON-tagged, so a fixture file decodes into it.
// Users come first, then packages (whose owners must be among the users),
// then advisories (whose packages must exist).
type Seed struct {
	Users      []SeedUser     `json:"users,omitempty"`
	Packages   []SeedPackage  `json:"packages,omitempty"`
	Advisories []SeedAdvisory `json:"advisories,omitempty"`
}

// SeedUser is an account. The password follows the signup rules (at least
// 8 characters) and is stored hashed.
type SeedUser struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	// CreatedAt defaults to the registry clock's time.
	CreatedAt time.Time   `json:"createdAt"`
	Tokens    []SeedToken `json:"tokens,omitempty"`
}

// SeedToken is an API token of a seeded user.
type SeedToken struct {
	Name string `json:"name"`
	// Value is the full token, lgn_ and 32 letters or digits, so that a
	// fixture can know it; when empty one is generated (and can only be
	// seen through its prefix).
	Value string `json:"value,omitempty"`
	// Scopes default to read and publish.
	Scopes []legion.Scope `json:"scopes,omitempty"`
	// CreatedAt defaults to the user's CreatedAt; LastUsedAt to never
	// used. A token unused for 100 days needs no clock tricks.
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt"`
}

// SeedPackage is a package with its versions. The package-level metadata
// applies to every version; a version's Readme, when set, replaces the
// package's.
type SeedPackage struct {
	Name        string        `json:"name"`
	Owner       string        `json:"owner"`
	Description string        `json:"description,omitempty"`
	License     string        `json:"license,omitempty"`
	Keywords    []string      `json:"keywords,omitempty"`
	Readme      string        `json:"readme,omitempty"`
	Versions    []SeedVersion `json:"versions"`
	Downloads   int64         `json:"downloads,omitempty"`
}

// SeedVersion is one version of a SeedPackage.
type SeedVersion struct {
	Version      string            `json:"version"`
	Readme       string            `json:"readme,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"`
	// PublishedAt defaults to the registry clock's time.
	PublishedAt time.Time `json:"publishedAt"`
}

// SeedAdvisory is a security advisory against the versions of Package that
// Affected (an npm-style range) admits.
type SeedAdvisory struct {
	// ID defaults to LEGION-0001, LEGION-0002… in the order added.
	ID       string          `json:"id,omitempty"`
	Package  string          `json:"package"`
	Affected string          `json:"affected"`
	Severity legion.Severity `json:"severity"`
	Title    string          `json:"title"`
	URL      string          `json:"url,omitempty"`
}

func seedErr(f *failure) error { return errors.New("legiontest: " + f.msg) }

// Seed loads s. It is all or nothing: on an error (an invalid name,
// version, range or e-mail, an unknown owner or package, a duplicate…) the
// registry is left as it was.
func (r *Registry) Seed(s Seed) error {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st.clone()
	for i, u := range s.Users {
		if err := r.addSeedUserLocked(st, u, now); err != nil {
			return fmt.Errorf("%w (users[%d])", err, i)
		}
	}
	for i, p := range s.Packages {
		if err := r.addPackageLocked(st, p, now); err != nil {
			return fmt.Errorf("%w (packages[%d])", err, i)
		}
	}
	for i, a := range s.Advisories {
		if err := addAdvisoryLocked(st, a, true); err != nil {
			return fmt.Errorf("%w (advisories[%d])", err, i)
		}
	}
	r.st = st
	return nil
}

func (r *Registry) addSeedUserLocked(st *state, su SeedUser, now time.Time) error {
	// Check the tokens before anything is stored, so a failure leaves st
	// unchanged.
	for _, t := range su.Tokens {
		if _, err := seedTokenScopes(t); err != nil {
			return err
		}
		if !t.LastUsedAt.IsZero() && !t.CreatedAt.IsZero() && t.LastUsedAt.Before(t.CreatedAt) {
			return fmt.Errorf("legiontest: token %q of %s: lastUsedAt is before createdAt", t.Name, su.Username)
		}
		if t.Value != "" {
			if !validTokenFormat(t.Value) {
				return fmt.Errorf("legiontest: token %q of %s: must be lgn_ and 32 letters or digits", t.Name, su.Username)
			}
			h := hashToken(t.Value)
			if st.tokens[h] != nil || st.tokenIDs[t.Value[len(t.Value)-8:]] != nil {
				return fmt.Errorf("legiontest: token %q of %s: duplicate token or short id", t.Name, su.Username)
			}
		}
	}
	created := su.CreatedAt.UTC()
	if su.CreatedAt.IsZero() {
		created = now
	}
	u, f := r.addUserLocked(st, su.Username, su.Email, su.Password, created)
	if f != nil {
		return seedErr(f)
	}
	for _, t := range su.Tokens {
		scopes, _ := seedTokenScopes(t)
		at := created
		if !t.CreatedAt.IsZero() {
			at = t.CreatedAt.UTC().Truncate(time.Millisecond)
		}
		tok, err := r.newTokenLocked(st, u, strings.TrimSpace(t.Name), t.Value, scopes, at)
		if err != nil {
			return err
		}
		if !t.LastUsedAt.IsZero() {
			st.tokens[hashToken(tok)].lastUsedAt = t.LastUsedAt.UTC().Truncate(time.Millisecond)
		}
	}
	return nil
}

func seedTokenScopes(t SeedToken) ([]legion.Scope, error) {
	if strings.TrimSpace(t.Name) == "" {
		return nil, errors.New("legiontest: a token needs a name")
	}
	if len(t.Scopes) == 0 {
		return bothScopes, nil
	}
	scopes, bad, ok := canonicalScopes(t.Scopes)
	if !ok {
		return nil, fmt.Errorf("legiontest: token %q: unknown scope %q", t.Name, bad)
	}
	return scopes, nil
}

// AddUser creates an account and returns a token named "default" with the
// read and publish scopes.
func (r *Registry) AddUser(username, email, password string) (token string, err error) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, f := r.addUserLocked(r.st, username, email, password, now)
	if f != nil {
		return "", seedErr(f)
	}
	tok, err := r.newTokenLocked(r.st, u, "default", "", bothScopes, now)
	if err != nil {
		delete(r.st.users, username)
		delete(r.st.emails, strings.ToLower(email))
		return "", err
	}
	return tok, nil
}

// AddToken creates a token for an existing user with the given scopes (at
// least one of read and publish) and returns it.
func (r *Registry) AddToken(username, name string, scopes ...legion.Scope) (token string, err error) {
	canon, bad, valid := canonicalScopes(scopes)
	switch {
	case strings.TrimSpace(name) == "":
		return "", errors.New("legiontest: AddToken: the token needs a name")
	case bad != "":
		return "", fmt.Errorf("legiontest: AddToken: unknown scope %q", bad)
	case !valid:
		return "", errors.New("legiontest: AddToken: give at least one scope")
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[username]
	if u == nil {
		return "", fmt.Errorf("legiontest: AddToken: unknown user %q", username)
	}
	return r.newTokenLocked(r.st, u, strings.TrimSpace(name), "", canon, now)
}

// AddPackage stores a package with its versions, as if its owner had
// published them, and sets its download count. An owner who does not exist
// is created first (email OWNER@example.com, a random password), so that
// seeding a package is one call; nothing is created when it fails.
func (r *Registry) AddPackage(p SeedPackage) error {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.users[p.Owner] != nil || p.Owner == "" {
		return r.addPackageLocked(r.st, p, now)
	}
	pw, err := r.randomTokenLocked()
	if err != nil {
		return err
	}
	email := p.Owner + "@example.com"
	if _, f := r.addUserLocked(r.st, p.Owner, email, pw, now); f != nil {
		return fmt.Errorf("legiontest: package %q: creating owner %q: %s", p.Name, p.Owner, f.msg)
	}
	if err := r.addPackageLocked(r.st, p, now); err != nil {
		delete(r.st.users, p.Owner)
		delete(r.st.emails, strings.ToLower(email))
		return err
	}
	return nil
}

// addPackageLocked leaves st unchanged on error: everything is checked
// before the package is stored.
func (r *Registry) addPackageLocked(st *state, sp SeedPackage, now time.Time) error {
	switch {
	case st.users[sp.Owner] == nil:
		return fmt.Errorf("legiontest: package %q: unknown owner %q", sp.Name, sp.Owner)
	case st.pkgs[sp.Name] != nil:
		return fmt.Errorf("legiontest: package %q already exists", sp.Name)
	case len(sp.Versions) == 0:
		return fmt.Errorf("legiontest: package %q has no versions", sp.Name)
	case sp.Downloads < 0:
		return fmt.Errorf("legiontest: package %q: negative downloads", sp.Name)
	}
	var p *pkgRec
	for _, sv := range sp.Versions {
		at := sv.PublishedAt.UTC()
		if sv.PublishedAt.IsZero() {
			at = now
		}
		readme := sp.Readme
		if sv.Readme != "" {
			readme = sv.Readme
		}
		req := legion.PublishRequest{
			Name:         sp.Name,
			Version:      sv.Version,
			Description:  sp.Description,
			License:      sp.License,
			Keywords:     sp.Keywords,
			Readme:       readme,
			Dependencies: sv.Dependencies,
		}
		if f := validatePublish(req, st.ranges); f != nil {
			return fmt.Errorf("legiontest: package %q version %q: %s", sp.Name, sv.Version, f.msg)
		}
		v, _ := semrange.ParseVersion(sv.Version)
		if p == nil {
			p = newPkgRec(sp.Name, sp.Owner, newVersionRec(v, req, at, nil))
		} else if !p.addVersion(newVersionRec(v, req, at, p.latest.keywords)) {
			return fmt.Errorf("legiontest: package %q version %q: %s", sp.Name, sv.Version, alreadyPublished(sp.Name, v).msg)
		}
	}
	p.downloads = sp.Downloads
	st.pkgs[sp.Name] = p
	st.idx.add(p)
	return nil
}

var severities = []legion.Severity{legion.SeverityLow, legion.SeverityModerate, legion.SeverityHigh, legion.SeverityCritical}

// AddAdvisory stores an advisory against an existing package.
func (r *Registry) AddAdvisory(a SeedAdvisory) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return addAdvisoryLocked(r.st, a, true)
}

func addAdvisoryLocked(st *state, a SeedAdvisory, requirePkg bool) error {
	rng, err := semrange.Parse(a.Affected)
	switch {
	case !validPackageName(a.Package):
		return fmt.Errorf("legiontest: advisory %q: invalid package name %q", a.ID, a.Package)
	case requirePkg && st.pkgs[a.Package] == nil:
		return fmt.Errorf("legiontest: advisory %q: unknown package %q", a.ID, a.Package)
	case strings.TrimSpace(a.Affected) == "" || err != nil:
		return fmt.Errorf("legiontest: advisory %q: affected range %q does not parse", a.ID, a.Affected)
	case !slices.Contains(severities, a.Severity):
		return fmt.Errorf("legiontest: advisory %q: severity %q is not low, moderate, high or critical", a.ID, a.Severity)
	case strings.TrimSpace(a.Title) == "":
		return fmt.Errorf("legiontest: advisory %q: a title is required", a.ID)
	case a.ID != "" && st.advIDs[a.ID]:
		return fmt.Errorf("legiontest: advisory %q: duplicate id", a.ID)
	}
	id := a.ID
	for id == "" || st.advIDs[id] {
		st.nextAdv++
		id = fmt.Sprintf("LEGION-%04d", st.nextAdv)
	}
	st.advIDs[id] = true
	rec := &advisoryRec{id: id, pkg: a.Package, affected: a.Affected, rng: rng, severity: a.Severity, title: a.Title, url: a.URL}
	as := append(st.advisories[a.Package], rec)
	slices.SortFunc(as, func(x, y *advisoryRec) int { return strings.Compare(x.id, y.id) })
	st.advisories[a.Package] = as
	return nil
}

// SetDownloads sets a package's download count.
func (r *Registry) SetDownloads(name string, n int64) error {
	if n < 0 {
		return errors.New("legiontest: SetDownloads: negative count")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[name]
	if p == nil {
		return fmt.Errorf("legiontest: SetDownloads: unknown package %q", name)
	}
	r.st.idx.update(p, false, func() { p.downloads = n }, byDownloads)
	return nil
}

// --- inspection ---

// Package returns a package's metadata as GET /packages/:name shows it,
// without counting a download. The result is a copy.
func (r *Registry) Package(name string) (legion.Package, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[name]
	if p == nil {
		return legion.Package{}, false
	}
	out := p.full()
	out.Keywords = slices.Clone(out.Keywords)
	out.Dependencies = maps.Clone(out.Dependencies)
	out.Latest = copyVersion(out.Latest)
	for i := range out.Versions {
		out.Versions[i].Version = copyVersion(out.Versions[i].Version)
	}
	return out, true
}

// Versions returns every version of a package, ascending by semver, with
// all its metadata (readme included); nil for an unknown package. The
// result is a copy.
func (r *Registry) Versions(name string) []legion.PackageVersion {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.st.pkgs[name]
	if p == nil {
		return nil
	}
	out := make([]legion.PackageVersion, len(p.versions))
	for i, v := range p.versions {
		pv := p.version(v, true)
		pv.Version = copyVersion(pv.Version)
		pv.Keywords = slices.Clone(pv.Keywords)
		pv.Dependencies = maps.Clone(pv.Dependencies)
		out[i] = pv
	}
	return out
}

// Downloads returns a package's download count (0 for an unknown package).
func (r *Registry) Downloads(name string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.st.pkgs[name]; p != nil {
		return p.downloads
	}
	return 0
}

func copyVersion(v *semver.Version) *semver.Version {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}
