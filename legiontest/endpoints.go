package legiontest

import (
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// Answers are marshalled from the SDK's own types, embedded beside
// "success" when the reference shows them flat and under one key otherwise,
// so that the fake and the SDK cannot drift apart.

// sessionBody and createdTokenBody carry a token's value, which
// legion.Secret would encode as "[redacted]": plain strings here.
type sessionBody struct {
	Success bool        `json:"success"`
	Token   string      `json:"token"`
	User    legion.User `json:"user"`
}

type userBody struct {
	Success bool        `json:"success"`
	User    legion.User `json:"user"`
}

type tokensBody struct {
	Success bool           `json:"success"`
	Tokens  []legion.Token `json:"tokens"`
}

type createdTokenBody struct {
	Success bool `json:"success"`
	legion.Token
	Value string `json:"token"`
}

// Request bodies. Publish and token creation use the SDK's request types,
// which the SDK sends as they are.

type signupIn struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginIn struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type packageListBody struct {
	Success bool `json:"success"`
	legion.PackageList
}

type packagesBody struct {
	Success  bool             `json:"success"`
	Packages []legion.Package `json:"packages"`
}

type packageBody struct {
	Success bool        `json:"success"`
	Package fullPackage `json:"package"`
}

// fullPackage is a legion.Package whose versions list holds only each
// version and its date: the outer Versions field hides the embedded one
// from encoding/json, so that the entries do not carry the
// "dependencies": null that legion.PackageVersion would (its Dependencies
// is not omitempty: nil there means "not sent").
type fullPackage struct {
	legion.Package
	Versions []versionStamp `json:"versions"`
}

type versionStamp struct {
	Version     string    `json:"version"`
	PublishedAt time.Time `json:"publishedAt"`
}

func (p *pkgRec) wire() fullPackage {
	out := fullPackage{Package: p.full(), Versions: make([]versionStamp, len(p.versions))}
	out.Package.Versions = nil
	for i, v := range p.versions {
		out.Versions[i] = versionStamp{Version: v.v.Original(), PublishedAt: v.publishedAt}
	}
	return out
}

type versionsBody struct {
	Success  bool                    `json:"success"`
	Versions []legion.PackageVersion `json:"versions"`
}

type downloadBody struct {
	Success  bool                  `json:"success"`
	Download legion.PackageVersion `json:"download"`
}

type publishedBody struct {
	Success bool                  `json:"success"`
	Message string                `json:"message"`
	Version legion.PackageVersion `json:"version"`
}

type searchBody struct {
	Success bool             `json:"success"`
	Results []legion.Package `json:"results"`
	Total   int              `json:"total"`
	Query   string           `json:"query"`
}

type statsBody struct {
	Success bool `json:"success"`
	legion.Stats
}

type auditBody struct {
	Success bool `json:"success"`
	legion.AuditReport
}

var bothScopes = []legion.Scope{legion.ScopeRead, legion.ScopePublish}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…"
}
