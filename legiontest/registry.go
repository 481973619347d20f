package legiontest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// Registry is an in-memory Legion registry. It implements http.Handler,
// serving the API below /api/v1, and is safe for concurrent use. Build one
// with NewRegistry, or a Server around one with NewServer.
type Registry struct {
	clock   Clock
	maxBody int64

	mu  sync.Mutex // guards st and rng
	st  *state
	rng io.Reader // token and salt bytes: crypto/rand, or a seeded ChaCha8

	faultMu  sync.Mutex
	faults   []*faultRule
	faultSeq uint64

	limMu sync.Mutex
	lim   limiter

	recMu sync.Mutex
	reqs  []RecordedRequest

	reqSeq atomic.Uint64
	// panics counts panics the last-resort recover caught; tests check it
	// stays zero.
	panics atomic.Int64
	// beforeRoute is a test seam run before routing (nil outside tests).
	beforeRoute func(*http.Request)
}

// NewRegistry returns an empty registry configured by opts, with any
// WithSeed data loaded.
func NewRegistry(opts ...Option) (*Registry, error) {
	cfg := config{clock: systemClock{}, maxBody: DefaultMaxBodyBytes}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	r := &Registry{
		clock:   cfg.clock,
		maxBody: cfg.maxBody,
		st:      newState(),
		rng:     rand.Reader,
	}
	if cfg.seeded {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:8], cfg.tokenSeed)
		copy(seed[8:], "legiontest token source")
		r.rng = mrand.NewChaCha8(seed)
	}
	r.lim.set(cfg.limitN, cfg.limitWindow, cfg.limitBy)
	for _, s := range cfg.seeds {
		if err := r.Seed(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// now is the clock's time in UTC at millisecond precision, as a JavaScript
// Date (and so the live registry) would record it.
func (r *Registry) now() time.Time {
	return r.clock.Now().UTC().Truncate(time.Millisecond)
}

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
	}
}

// clone deep-copies the mutable parts; version and advisory records are
// immutable once made and are shared.
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

// --- validation ---

// validPackageName: 1–64 characters of [a-z0-9._-], starting with a letter
// or digit.
func validPackageName(s string) bool {
	if len(s) < 1 || len(s) > 64 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

const nameRule = "must be 1-64 characters of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"

// validUsername: 3–32 characters of [a-z0-9_-], starting with a letter or
// digit.
func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

const usernameRule = "must be 3-32 characters of lowercase letters, digits, '_' or '-', starting with a letter or digit"

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// validEmail: one '@' with something before it, and a domain holding a dot
// that neither starts nor ends it; no spaces or control characters.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && domain[0] != '.'
}

const emailRule = "must be an address like name@example.com"

const minPassword = 8

func validPassword(s string) bool { return utf8.RuneCountInString(s) >= minPassword }

// reservedNames would collide with the routes POST /packages/publish and
// /packages/unpublish.
func reservedName(s string) bool { return s == "publish" || s == "unpublish" }

// canonicalScopes checks and orders scopes (read before publish, no
// duplicates); bad names the first unknown scope.
func canonicalScopes(in []legion.Scope) (out []legion.Scope, bad string, ok bool) {
	var read, publish bool
	for _, s := range in {
		switch s {
		case legion.ScopeRead:
			read = true
		case legion.ScopePublish:
			publish = true
		default:
			return nil, string(s), false
		}
	}
	if read {
		out = append(out, legion.ScopeRead)
	}
	if publish {
		out = append(out, legion.ScopePublish)
	}
	return out, "", len(out) > 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- secrets ---

const (
	tokenPrefix   = "lgn_"
	tokenRandLen  = 32
	tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// validTokenFormat: lgn_ followed by 32 characters of [a-zA-Z0-9].
func validTokenFormat(t string) bool {
	rest, ok := strings.CutPrefix(t, tokenPrefix)
	if !ok || len(rest) != tokenRandLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(tokenAlphabet, rest[i]) < 0 {
			return false
		}
	}
	return true
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// randomTokenLocked draws a token from r.rng (r.mu held), by rejection
// sampling so every character is uniform.
func (r *Registry) randomTokenLocked() (string, error) {
	out := make([]byte, 0, len(tokenPrefix)+tokenRandLen)
	out = append(out, tokenPrefix...)
	var buf [48]byte
	for len(out) < cap(out) {
		if _, err := io.ReadFull(r.rng, buf[:]); err != nil {
			return "", fmt.Errorf("legiontest: generating a token: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < cap(out) { // 248 = 4·62
				out = append(out, tokenAlphabet[b%62])
			}
		}
	}
	return string(out), nil
}

// newTokenLocked stores a token for u and returns its value. A given value
// (from seed data) is used as is; otherwise one is generated, retrying on
// the (astronomically unlikely) clash of a hash or short id.
func (r *Registry) newTokenLocked(st *state, u *userRec, name, value string, scopes []legion.Scope, now time.Time) (string, error) {
	for attempt := 0; ; attempt++ {
		tok := value
		if tok == "" {
			var err error
			if tok, err = r.randomTokenLocked(); err != nil {
				return "", err
			}
		}
		h, id := hashToken(tok), tok[len(tok)-8:]
		if st.tokens[h] != nil || st.tokenIDs[id] != nil {
			if value != "" || attempt > 10 {
				return "", fmt.Errorf("legiontest: token %s…%s clashes with an existing token", tok[:8], id)
			}
			continue
		}
		t := &tokenRec{
			hash:      h,
			id:        id,
			prefix:    tok[:8],
			name:      name,
			user:      u.username,
			scopes:    scopes,
			createdAt: now,
		}
		st.tokens[h] = t
		st.tokenIDs[id] = t
		u.tokens = append(u.tokens, t)
		return tok, nil
	}
}

// Passwords are stored as iterated, salted SHA-256: sum₀ = SHA-256(salt ‖
// password), sumᵢ = SHA-256(sumᵢ₋₁ ‖ salt), passwordIterations times. This
// is a test fake: the iteration count keeps sign-ups fast, not attackers
// slow.
const (
	passwordAlgorithm  = "sha256-iterated"
	passwordIterations = 10000
	saltLen            = 16
)

type passwordHash struct {
	salt []byte
	sum  []byte
	iter int
}

func hashPassword(pw string, salt []byte, iter int) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	buf := h.Sum(make([]byte, 0, sha256.Size+len(salt)))
	buf = append(buf, salt...)
	for i := 1; i < iter; i++ {
		s := sha256.Sum256(buf)
		copy(buf, s[:])
	}
	return slices.Clone(buf[:sha256.Size])
}

func (r *Registry) newPasswordLocked(pw string) (passwordHash, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(r.rng, salt); err != nil {
		return passwordHash{}, fmt.Errorf("legiontest: generating a salt: %w", err)
	}
	return passwordHash{salt: salt, sum: hashPassword(pw, salt, passwordIterations), iter: passwordIterations}, nil
}

func (p passwordHash) verify(pw string) bool {
	if len(p.sum) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(hashPassword(pw, p.salt, p.iter), p.sum) == 1
}
