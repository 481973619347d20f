package legiontest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

const snapshotFormat = 1

// snapshot is the JSON form of the registry's state. It holds hashes only:
// SHA-256 of each token and the salted, iterated hash of each password
// (with the iterations it was made with).
type snapshot struct {
	Format       int            `json:"format"`
	Users        []snapUser     `json:"users"`
	Packages     []snapPackage  `json:"packages"`
	Advisories   []SeedAdvisory `json:"advisories"`
	NextAdvisory int            `json:"nextAdvisory"`
}

type snapUser struct {
	Username  string       `json:"username"`
	Email     string       `json:"email"`
	CreatedAt time.Time    `json:"createdAt"`
	Password  snapPassword `json:"password"`
	Tokens    []snapToken  `json:"tokens"`
}

type snapPassword struct {
	Algorithm  string `json:"algorithm"`
	Iterations int    `json:"iterations"`
	Salt       string `json:"salt"` // base64
	Hash       string `json:"hash"` // base64
}

type snapToken struct {
	SHA256     string         `json:"sha256"` // hex
	ID         string         `json:"id"`
	Prefix     string         `json:"prefix"`
	Name       string         `json:"name"`
	Scopes     []legion.Scope `json:"scopes"`
	CreatedAt  time.Time      `json:"createdAt"`
	LastUsedAt time.Time      `json:"lastUsedAt"`
}

type snapPackage struct {
	Name      string        `json:"name"`
	Owner     string        `json:"owner"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
	Downloads int64         `json:"downloads"`
	Versions  []snapVersion `json:"versions"`
}

type snapVersion struct {
	Version      string            `json:"version"`
	Description  string            `json:"description,omitempty"`
	License      string            `json:"license,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Readme       string            `json:"readme,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"`
	PublishedAt  time.Time         `json:"publishedAt"`
}

// Snapshot returns the registry's accounts, tokens, packages, download
// counts and advisories as JSON, for Restore (the standalone server's
// -state file). It never holds a clear-text secret: tokens are kept as
// their SHA-256, passwords as salted, iterated SHA-256. Faults, the rate
// limiter and the request record are not part of it. The output is
// deterministic for a given state.
func (r *Registry) Snapshot() ([]byte, error) {
	r.mu.Lock()
	snap := snapshot{Format: snapshotFormat, NextAdvisory: r.st.nextAdv, Users: []snapUser{}, Packages: []snapPackage{}, Advisories: []SeedAdvisory{}}
	for _, name := range sortedKeys(r.st.users) {
		u := r.st.users[name]
		su := snapUser{
			Username:  u.username,
			Email:     u.email,
			CreatedAt: u.createdAt,
			Password: snapPassword{
				Algorithm:  passwordAlgorithm,
				Iterations: u.pw.iter,
				Salt:       base64.StdEncoding.EncodeToString(u.pw.salt),
				Hash:       base64.StdEncoding.EncodeToString(u.pw.sum),
			},
			Tokens: []snapToken{},
		}
		for _, t := range u.tokens {
			su.Tokens = append(su.Tokens, snapToken{
				SHA256: t.hash, ID: t.id, Prefix: t.prefix, Name: t.name,
				Scopes: slices.Clone(t.scopes), CreatedAt: t.createdAt, LastUsedAt: t.lastUsedAt,
			})
		}
		snap.Users = append(snap.Users, su)
	}
	for _, name := range sortedKeys(r.st.pkgs) {
		p := r.st.pkgs[name]
		sp := snapPackage{Name: p.name, Owner: p.owner, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt, Downloads: p.downloads}
		for _, v := range p.versions {
			sp.Versions = append(sp.Versions, snapVersion{
				Version: v.v.Original(), Description: v.description, License: v.license,
				Keywords: v.keywords, Readme: v.readme, Dependencies: v.deps, PublishedAt: v.publishedAt,
			})
		}
		snap.Packages = append(snap.Packages, sp)
	}
	for _, name := range sortedKeys(r.st.advisories) {
		for _, a := range r.st.advisories[name] {
			snap.Advisories = append(snap.Advisories, SeedAdvisory{
				ID: a.id, Package: a.pkg, Affected: a.affected, Severity: a.severity, Title: a.title, URL: a.url,
			})
		}
	}
	// Versions and advisories are immutable, so encoding may run unlocked.
	r.mu.Unlock()
	return snap.encode()
}

// encode writes the snapshot with one user, package or advisory per line:
// a file that diffs well, written in one pass (an indented encoding costs
// a second pass and twice the bytes, which at 100,000 packages is most of
// the cost of saving and loading the state).
func (snap *snapshot) encode() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\"format\":%d,\"nextAdvisory\":%d", snap.Format, snap.NextAdvisory)
	if err := encodeArray(&buf, "users", snap.Users); err != nil {
		return nil, err
	}
	if err := encodeArray(&buf, "packages", snap.Packages); err != nil {
		return nil, err
	}
	if err := encodeArray(&buf, "advisories", snap.Advisories); err != nil {
		return nil, err
	}
	buf.WriteString("\n}\n")
	return buf.Bytes(), nil
}

func encodeArray[T any](buf *bytes.Buffer, key string, items []T) error {
	fmt.Fprintf(buf, ",\n%q:[", key)
	for i := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
		b, err := json.Marshal(&items[i])
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	buf.WriteString("]")
	return nil
}

// Restore replaces the registry's state with a Snapshot's. It is all or
// nothing: invalid data leaves the registry as it was.
func (r *Registry) Restore(data []byte) error {
	var snap snapshot
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&snap); err != nil {
		return fmt.Errorf("legiontest: Restore: %w", err)
	}
	if snap.Format != snapshotFormat {
		return fmt.Errorf("legiontest: Restore: unknown snapshot format %d", snap.Format)
	}
	st, err := snap.state()
	if err != nil {
		return fmt.Errorf("legiontest: Restore: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st = st
	return nil
}

func (snap *snapshot) state() (*state, error) {
	st := newState()
	for _, su := range snap.Users {
		if err := restoreUser(st, su); err != nil {
			return nil, err
		}
	}
	for _, sp := range snap.Packages {
		if err := restorePackage(st, sp); err != nil {
			return nil, err
		}
	}
	for _, a := range snap.Advisories {
		if a.ID == "" {
			return nil, fmt.Errorf("advisory of %q has no id", a.Package)
		}
		// Seeded advisories may name a package not (yet) published.
		if err := addAdvisoryLocked(st, a, false); err != nil {
			return nil, err
		}
	}
	st.nextAdv = max(snap.NextAdvisory, 0)
	return st, nil
}

func restoreUser(st *state, su snapUser) error {
	if !validUsername(su.Username) || !validEmail(su.Email) {
		return fmt.Errorf("user %q: invalid username or email", su.Username)
	}
	if st.users[su.Username] != nil || st.emails[strings.ToLower(su.Email)] != "" {
		return fmt.Errorf("user %q: duplicate username or email", su.Username)
	}
	pw := su.Password
	salt, err1 := base64.StdEncoding.DecodeString(pw.Salt)
	sum, err2 := base64.StdEncoding.DecodeString(pw.Hash)
	if pw.Algorithm != passwordAlgorithm || pw.Iterations < 1 || pw.Iterations > maxPasswordIterations ||
		err1 != nil || err2 != nil || len(salt) != saltLen || len(sum) != 32 {
		return fmt.Errorf("user %q: invalid password hash", su.Username)
	}
	u := &userRec{username: su.Username, email: su.Email, createdAt: su.CreatedAt.UTC(),
		pw: passwordHash{salt: salt, sum: sum, iter: pw.Iterations}}
	for _, t := range su.Tokens {
		raw, err := hex.DecodeString(t.SHA256)
		scopes, _, scopesOK := canonicalScopes(t.Scopes)
		switch {
		case err != nil || len(raw) != 32 || t.SHA256 != strings.ToLower(t.SHA256):
			return fmt.Errorf("user %q: token %q: invalid sha256", su.Username, t.Name)
		case len(t.ID) != 8 || len(t.Prefix) != 8 || !validTokenFormat(t.Prefix+strings.Repeat("A", 20)+t.ID):
			return fmt.Errorf("user %q: token %q: invalid id or prefix", su.Username, t.Name)
		case strings.TrimSpace(t.Name) == "" || !scopesOK:
			return fmt.Errorf("user %q: token %q: invalid name or scopes", su.Username, t.Name)
		case st.tokens[t.SHA256] != nil || st.tokenIDs[t.ID] != nil:
			return fmt.Errorf("user %q: token %q: duplicate token", su.Username, t.Name)
		}
		rec := &tokenRec{hash: t.SHA256, id: t.ID, prefix: t.Prefix, name: t.Name, user: u.username,
			scopes: scopes, createdAt: t.CreatedAt.UTC(), lastUsedAt: t.LastUsedAt.UTC()}
		st.tokens[rec.hash] = rec
		st.tokenIDs[rec.id] = rec
		u.tokens = append(u.tokens, rec)
	}
	st.users[u.username] = u
	st.emails[strings.ToLower(u.email)] = u.username
	return nil
}

func restorePackage(st *state, sp snapPackage) error {
	switch {
	case !validPackageName(sp.Name) || reservedName(sp.Name):
		return fmt.Errorf("package %q: invalid name", sp.Name)
	case st.pkgs[sp.Name] != nil:
		return fmt.Errorf("package %q: duplicate", sp.Name)
	case st.users[sp.Owner] == nil:
		return fmt.Errorf("package %q: unknown owner %q", sp.Name, sp.Owner)
	case len(sp.Versions) == 0:
		return fmt.Errorf("package %q: no versions", sp.Name)
	case sp.Downloads < 0:
		return fmt.Errorf("package %q: negative downloads", sp.Name)
	}
	p := &pkgRec{name: sp.Name, owner: sp.Owner, createdAt: sp.CreatedAt.UTC(), updatedAt: sp.UpdatedAt.UTC(), downloads: sp.Downloads}
	for _, sv := range sp.Versions {
		if f := validatePublish(legion.PublishRequest{Name: sp.Name, Version: sv.Version, Description: sv.Description,
			License: sv.License, Keywords: sv.Keywords, Readme: sv.Readme, Dependencies: sv.Dependencies}, st.ranges); f != nil {
			return fmt.Errorf("package %q: %s", sp.Name, f.msg)
		}
		v, _ := semrange.ParseVersion(sv.Version)
		vr := &versionRec{v: v, description: sv.Description, license: sv.License, readme: sv.Readme,
			keywords: sv.Keywords, deps: sv.Dependencies, publishedAt: sv.PublishedAt.UTC()}
		if len(vr.deps) == 0 {
			vr.deps = nil
		}
		if len(p.versions) == 0 {
			p.versions = []*versionRec{vr}
			p.refresh()
		} else if !p.insert(vr) {
			return fmt.Errorf("package %q: duplicate version %s", sp.Name, sv.Version)
		}
	}
	st.pkgs[p.name] = p
	return nil
}

// Checkpoint remembers the registry's data (accounts, tokens, packages,
// downloads, advisories) as it is now, and returns a function that puts it
// back, as often as it is called: tests that share one seeded registry can
// each start from the same data. It copies no version or advisory record
// (they never change), so it costs far less than Snapshot and Restore.
// Faults, the rate limiter and the request record are not part of it.
func (r *Registry) Checkpoint() (rollback func()) {
	r.mu.Lock()
	saved := r.st.clone()
	r.mu.Unlock()
	return func() {
		st := saved.clone()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.st = st
	}
}
