package legion

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// envelopes.go: what each endpoint's answer decodes into (see wire.go for
// the tolerant leaf types and decodeAnswer).

// Envelopes: the flat payload is embedded, the wrapped one is a pointer
// under the resource's key; whichever the server filled wins.

type userEnvelope struct {
	status
	wireUser
	User *wireUser `json:"user"`
}

func (e *userEnvelope) user() User { return pick(e.User, &e.wireUser).user() }

func (e *userEnvelope) check() error {
	if pick(e.User, &e.wireUser).Username == "" {
		return missing("user's username")
	}
	return nil
}

type sessionEnvelope struct {
	status
	Token string   `json:"token"`
	User  wireUser `json:"user"`
}

func (e *sessionEnvelope) check() error {
	switch {
	case e.Token == "":
		return missing("token")
	case validateToken(e.Token) != nil:
		// never repeat the value: it may be a real credential, mangled
		return errors.New(`the answer's token is not an "lgn_" token`)
	case e.User.Username == "":
		return missing("user's username")
	}
	return nil
}

type packageEnvelope struct {
	status
	wirePackage
	Package *wirePackage `json:"package"`
	fast    *Package     // set by decodeFast (wire_fast.go)
}

func (e *packageEnvelope) pkg() Package {
	if e.fast != nil {
		return *e.fast
	}
	return pick(e.Package, &e.wirePackage).pkg()
}

func (e *packageEnvelope) check() error {
	if e.fast != nil {
		if e.fast.Name == "" {
			return missing("package name")
		}
		return nil // decodeFast parsed every listed version's version
	}
	return pick(e.Package, &e.wirePackage).check()
}

func (w *wirePackage) check() error {
	if w.Name == "" {
		return missing("package name")
	}
	return w.Versions.check()
}

// checkPackages checks every package of a list that must be there.
func checkPackages(ws []wirePackage, key string) error {
	if ws == nil {
		return missing(key + " list")
	}
	for i := range ws {
		if err := ws[i].check(); err != nil {
			return fmt.Errorf("%s[%d]: %w", key, i, err)
		}
	}
	return nil
}

// versionEnvelope also accepts the payload under "version", which a flat
// payload uses for the version string itself.
type versionEnvelope struct {
	status
	wireVersion
	Version  versionOrObject `json:"version"`
	Package  *wireVersion    `json:"package"`
	Download *wireVersion    `json:"download"`
}

type versionOrObject struct {
	ver
	obj *wireVersion
}

func (x *versionOrObject) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		x.obj = new(wireVersion)
		return json.Unmarshal(b, x.obj)
	}
	return x.ver.UnmarshalJSON(b)
}

func (e *versionEnvelope) check() error {
	if e.version().Version == nil {
		return missing("version")
	}
	return nil
}

// publishEnvelope accepts an answer without the published version: the
// registry may answer only {"success": true, "message": …}, and Publish
// then reports what it asked for (see there). An answer that names another
// package or version than the one sent is refused: it reports a publish
// that is not the one asked for.
type publishEnvelope struct {
	versionEnvelope
	wantName    string
	wantVersion *semver.Version
}

func (e *publishEnvelope) check() error {
	v := e.version()
	if v.Name != "" && v.Name != e.wantName {
		return fmt.Errorf("the answer names package %q, not %q", v.Name, e.wantName)
	}
	if v.Version != nil && e.wantVersion != nil && !sameVersion(v.Version, e.wantVersion) {
		return fmt.Errorf("the answer names version %q, not %q", v.Version.Original(), e.wantVersion.Original())
	}
	return nil
}

// sameVersion compares precedence and build metadata (which precedence
// ignores but a published version keeps).
func sameVersion(a, b *semver.Version) bool {
	return a.Equal(b) && a.Metadata() == b.Metadata()
}

// ackEnvelope is the answer of a call that returns nothing (unpublish,
// revoke): still a JSON object, and not one saying "success": false. A
// null, a list or an HTML page is refused like any other invalid answer.
type ackEnvelope struct{ status }

func (a *ackEnvelope) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(b, &a.status)
}

func (a *ackEnvelope) check() error { return nil }

func (e *versionEnvelope) version() PackageVersion {
	for _, w := range []*wireVersion{e.Version.obj, e.Package, e.Download} {
		if w != nil {
			return w.version()
		}
	}
	e.wireVersion.Version = e.Version.ver
	return e.wireVersion.version()
}

type versionsEnvelope struct {
	status
	Versions versionList `json:"versions"`
}

func (e *versionsEnvelope) bare() any { return &e.Versions }

func (e *versionsEnvelope) check() error {
	if e.Versions == nil {
		return missing("versions list")
	}
	return e.Versions.check()
}

// check reports a listed version without its version.
func (l versionList) check() error {
	for i := range l {
		if l[i].Version.v == nil {
			return fmt.Errorf("versions[%d]: %w", i, missing("version"))
		}
	}
	return nil
}

type pageEnvelope struct {
	status
	Packages []wirePackage `json:"packages"`
	Total    int           `json:"total"`
	Page     int           `json:"page"`
	Limit    int           `json:"limit"`
}

func (e *pageEnvelope) bare() any { return &e.Packages }

func (e *pageEnvelope) check() error { return checkPackages(e.Packages, "packages") }

type searchEnvelope struct {
	status
	Results []wirePackage `json:"results"`
	Total   int           `json:"total"`
}

func (e *searchEnvelope) bare() any { return &e.Results }

func (e *searchEnvelope) check() error { return checkPackages(e.Results, "results") }

type tokensEnvelope struct {
	status
	Tokens []wireToken `json:"tokens"`
}

func (e *tokensEnvelope) bare() any { return &e.Tokens }

func (e *tokensEnvelope) check() error {
	if e.Tokens == nil {
		return missing("tokens list")
	}
	for i := range e.Tokens {
		if e.Tokens[i].ID == "" {
			return fmt.Errorf("tokens[%d]: %w", i, missing("id"))
		}
	}
	return nil
}

// createdTokenEnvelope: flat, "token" is the value; wrapped, "token" is an
// object that carries the value under its own "token".
type createdTokenEnvelope struct {
	status
	wireToken
	Token tokenOrObject `json:"token"`
}

type tokenOrObject struct {
	value string
	obj   *struct {
		wireToken
		Token string `json:"token"`
	}
}

func (x *tokenOrObject) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		x.obj = new(struct {
			wireToken
			Token string `json:"token"`
		})
		return json.Unmarshal(b, x.obj)
	}
	var err error
	x.value, err = unquote(b)
	return err
}

// check insists on the value: this answer is the one moment it exists.
func (e *createdTokenEnvelope) check() error {
	t := e.created()
	switch {
	case t.Value.IsZero():
		return missing("token value")
	case validateToken(t.Value.Reveal()) != nil:
		return errors.New(`the answer's token is not an "lgn_" token`)
	case t.ID == "":
		return missing("token id")
	}
	return nil
}

func (e *createdTokenEnvelope) created() CreatedToken {
	if o := e.Token.obj; o != nil {
		return CreatedToken{Token: o.token(), Value: NewSecret(o.Token)}
	}
	return CreatedToken{Token: e.wireToken.token(), Value: NewSecret(e.Token.value)}
}

// wireStats has pointers so that an answer without any total is told from
// a registry that is empty.
type wireStats struct {
	Packages  *int64        `json:"packages"`
	Downloads *int64        `json:"downloads"`
	Users     *int64        `json:"users"`
	Popular   []wirePackage `json:"popular"`
}

func (w *wireStats) stats() Stats {
	deref := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return Stats{Packages: deref(w.Packages), Downloads: deref(w.Downloads), Users: deref(w.Users), Popular: packages(w.Popular)}
}

type statsEnvelope struct {
	status
	wireStats
	Stats *wireStats `json:"stats"`
}

func (e *statsEnvelope) check() error {
	w := pick(e.Stats, &e.wireStats)
	if w.Packages == nil && w.Downloads == nil && w.Users == nil && w.Popular == nil {
		return missing("statistics")
	}
	if w.Popular != nil {
		return checkPackages(w.Popular, "popular")
	}
	return nil
}

type auditEnvelope struct {
	status
	AuditReport
	Audit *AuditReport `json:"audit"`
}

func (e *auditEnvelope) check() error {
	r := pick(e.Audit, &e.AuditReport)
	if r.Advisories == nil && r.Problems == nil && r.Scanned == 0 && !r.Clean {
		return missing("audit report")
	}
	return nil
}

// pick returns the wrapped payload when the server sent one.
func pick[T any](wrapped, flat *T) *T {
	if wrapped != nil {
		return wrapped
	}
	return flat
}
