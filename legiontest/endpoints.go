package legiontest

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
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

// --- accounts ---

func (r *Registry) signup(c *reqCtx) (int, any) {
	var body signupIn
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, f := r.addUserLocked(r.st, body.Username, body.Email, body.Password, now)
	if f != nil {
		return c.failWith(f)
	}
	tok, err := r.newTokenLocked(r.st, u, "signup", "", bothScopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusCreated, sessionBody{true, tok, u.private()}
}

// addUserLocked validates and stores a new account (r.mu held).
func (r *Registry) addUserLocked(st *state, username, email, password string, createdAt time.Time) (*userRec, *failure) {
	bad := func(msg string) (*userRec, *failure) { return nil, &failure{http.StatusBadRequest, msg} }
	switch {
	case username == "":
		return bad("username is required")
	case !validUsername(username):
		return bad("username " + usernameRule)
	case email == "":
		return bad("email is required")
	case !validEmail(email):
		return bad("email " + emailRule)
	case password == "":
		return bad("password is required")
	case !validPassword(password):
		return bad(fmt.Sprintf("password must be at least %d characters", minPassword))
	}
	if st.users[username] != nil {
		return nil, &failure{http.StatusConflict, fmt.Sprintf("username %q is already taken", username)}
	}
	if _, taken := st.emails[strings.ToLower(email)]; taken {
		return nil, &failure{http.StatusConflict, "email is already registered"}
	}
	pw, err := r.newPasswordLocked(password)
	if err != nil {
		return nil, &failure{http.StatusInternalServerError, "could not hash the password"}
	}
	u := &userRec{username: username, email: email, createdAt: createdAt, pw: pw}
	st.users[username] = u
	st.emails[strings.ToLower(email)] = username
	return u, nil
}

func (r *Registry) login(c *reqCtx) (int, any) {
	var body loginIn
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	switch {
	case body.Username == "":
		return c.fail(http.StatusBadRequest, "username is required")
	case body.Password == "":
		return c.fail(http.StatusBadRequest, "password is required")
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[body.Username]
	if u == nil || !u.pw.verify(body.Password) {
		return c.fail(http.StatusUnauthorized, "invalid username or password")
	}
	tok, err := r.newTokenLocked(r.st, u, "login", "", bothScopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusOK, sessionBody{true, tok, u.private()}
}

func (r *Registry) me(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	return http.StatusOK, userBody{true, u.private()}
}

func (r *Registry) getUser(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[c.segs[1]]
	if u == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("user %q not found", clip(c.segs[1])))
	}
	return http.StatusOK, userBody{true, u.public()}
}

func (r *Registry) userPackages(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.st.users[c.segs[1]]
	if u == nil {
		return c.fail(http.StatusNotFound, fmt.Sprintf("user %q not found", clip(c.segs[1])))
	}
	var owned []*pkgRec
	for _, p := range r.st.pkgs {
		if p.owner == u.username {
			owned = append(owned, p)
		}
	}
	sortPackages(owned, "name")
	out := make([]legion.Package, len(owned))
	for i, p := range owned {
		out[i] = p.summary()
	}
	return http.StatusOK, packagesBody{true, out}
}

// --- tokens ---

func (r *Registry) listTokens(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	out := make([]legion.Token, len(u.tokens))
	for i, t := range u.tokens {
		out[i] = t.public()
	}
	return http.StatusOK, tokensBody{true, out}
}

const maxTokenName = 100

func (r *Registry) createToken(c *reqCtx) (int, any) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	u, caller, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	var body legion.CreateTokenRequest
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	name := strings.TrimSpace(body.Name)
	switch {
	case name == "":
		return c.fail(http.StatusBadRequest, "name is required")
	case utf8.RuneCountInString(name) > maxTokenName:
		return c.fail(http.StatusBadRequest, fmt.Sprintf("name must be at most %d characters", maxTokenName))
	case len(body.Scopes) == 0:
		return c.fail(http.StatusBadRequest, "scopes is required: one or more of read, publish")
	}
	scopes, unknown, valid := canonicalScopes(body.Scopes)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("scopes: unknown scope %q (use read or publish)", clip(unknown)))
	}
	for _, s := range scopes {
		if !caller.has(s) {
			return c.fail(http.StatusForbidden, fmt.Sprintf("this token lacks the %s scope, so it cannot grant it", s))
		}
	}
	tok, err := r.newTokenLocked(r.st, u, name, "", scopes, now)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "could not generate a token")
	}
	return http.StatusCreated, createdTokenBody{true, r.st.tokens[hashToken(tok)].public(), tok}
}

func (r *Registry) revokeToken(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u, _, f := r.authLocked(c, "")
	if f != nil {
		return c.failWith(f)
	}
	id := c.segs[1]
	i := slices.IndexFunc(u.tokens, func(t *tokenRec) bool { return t.id == id })
	if i < 0 {
		// Another user's token is just as unknown: no hint that it exists.
		return c.fail(http.StatusNotFound, "token not found")
	}
	t := u.tokens[i]
	delete(r.st.tokens, t.hash)
	delete(r.st.tokenIDs, t.id)
	u.tokens = slices.Delete(u.tokens, i, i+1)
	return http.StatusOK, okBody{Success: true}
}

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

func validatePublish(req legion.PublishRequest) *failure {
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
	for _, name := range sortedKeys(req.Dependencies) {
		if !validPackageName(name) {
			return bad(fmt.Sprintf("dependencies: %q is not a valid package name", clip(name)))
		}
		if _, err := semrange.Parse(req.Dependencies[name]); err != nil {
			return bad(fmt.Sprintf("dependencies: %s: invalid range %q", name, clip(req.Dependencies[name])))
		}
	}
	return nil
}

// publishLocked validates and stores one version (r.mu held).
func (r *Registry) publishLocked(st *state, owner string, req legion.PublishRequest, at time.Time) (*pkgRec, *versionRec, *failure) {
	if f := validatePublish(req); f != nil {
		return nil, nil, f
	}
	v, _ := semrange.ParseVersion(req.Version)
	p := st.pkgs[req.Name]
	if p != nil && p.owner != owner {
		return nil, nil, &failure{http.StatusForbidden, fmt.Sprintf("package %q belongs to another user", req.Name)}
	}
	if p != nil && p.find(v) != nil {
		return nil, nil, &failure{http.StatusConflict, fmt.Sprintf("%s@%s is already published", req.Name, v.Original())}
	}
	vr := &versionRec{
		v:           v,
		description: req.Description,
		license:     req.License,
		readme:      req.Readme,
		keywords:    slices.Clone(req.Keywords),
		publishedAt: at,
	}
	if len(req.Dependencies) > 0 {
		vr.deps = make(map[string]string, len(req.Dependencies))
		for k, d := range req.Dependencies {
			vr.deps[k] = d
		}
	}
	if p == nil {
		p = &pkgRec{name: req.Name, owner: owner, createdAt: at, updatedAt: at, versions: []*versionRec{vr}}
		p.refresh()
		st.pkgs[req.Name] = p
		return p, vr, nil
	}
	p.insert(vr)
	if at.After(p.updatedAt) {
		p.updatedAt = at
	}
	if at.Before(p.createdAt) {
		p.createdAt = at
	}
	return p, vr, nil
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
	p.downloads++
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

// sortPackages orders ps by key, breaking every tie by name so that the
// order is total and pages never overlap or skip.
func sortPackages(ps []*pkgRec, key string) {
	slices.SortFunc(ps, func(a, b *pkgRec) int {
		var c int
		switch key {
		case "downloads":
			c = cmp.Compare(b.downloads, a.downloads)
		case "recent":
			c = b.updatedAt.Compare(a.updatedAt)
		case "newest":
			c = b.createdAt.Compare(a.createdAt)
		}
		if c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
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
	switch sortBy {
	case "":
		sortBy = defaultSort
	case "downloads", "name", "recent", "newest":
	default:
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
	list := make([]*pkgRec, 0, len(r.st.pkgs))
	for _, p := range r.st.pkgs {
		if filter == "" || p.matches(filter) {
			list = append(list, p)
		}
	}
	sortPackages(list, sortBy)
	total := len(list)
	start := total
	if page-1 < total/limit+1 {
		start = min((page-1)*limit, total)
	}
	end := min(start+limit, total)
	out := make([]legion.Package, 0, end-start)
	for _, p := range list[start:end] {
		out = append(out, p.summary())
	}
	return http.StatusOK, packageListBody{true, legion.PackageList{Packages: out, Total: total, Page: page, Limit: limit}}
}

// --- search ---

// termScore rates how well one lower-cased term matches p, by the best
// field it appears in: exact name > name prefix > name substring >
// keyword (exact, then substring) > description > author (exact, then
// substring). Zero means no match.
func (p *pkgRec) termScore(t string) float64 {
	switch {
	case p.lname == t:
		return 100
	case strings.HasPrefix(p.lname, t):
		return 80
	case strings.Contains(p.lname, t):
		return 60
	}
	var kw float64
	for _, k := range p.lkeywords {
		if k == t {
			return 40
		}
		if strings.Contains(k, t) {
			kw = 30
		}
	}
	switch {
	case kw > 0:
		return kw
	case strings.Contains(p.ldesc, t):
		return 20
	case p.owner == t:
		return 10
	case strings.Contains(p.owner, t):
		return 5
	}
	return 0
}

// score is the sum of the terms' scores; every term must match.
func (p *pkgRec) score(terms []string) float64 {
	var total float64
	for _, t := range terms {
		s := p.termScore(t)
		if s == 0 {
			return 0
		}
		total += s
	}
	return total
}

func (r *Registry) search(c *reqCtx) (int, any) {
	q := c.req.URL.Query()
	raw := q.Get("q")
	terms := strings.Fields(strings.ToLower(raw))
	if len(terms) == 0 {
		return c.fail(http.StatusBadRequest, "q is required")
	}
	limit, valid := intParam(q, "limit", defaultLimit, 1, maxLimit)
	if !valid {
		return c.fail(http.StatusBadRequest, fmt.Sprintf("limit must be an integer from 1 to %d", maxLimit))
	}
	type hit struct {
		p     *pkgRec
		score float64
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var hits []hit
	for _, p := range r.st.pkgs {
		if s := p.score(terms); s > 0 {
			hits = append(hits, hit{p, s})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.p.downloads, a.p.downloads); c != 0 {
			return c
		}
		return strings.Compare(a.p.name, b.p.name)
	})
	out := make([]legion.Package, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		s := h.p.summary()
		s.Score = h.score
		out = append(out, s)
	}
	return http.StatusOK, searchBody{Success: true, Results: out, Total: len(hits), Query: raw}
}

// --- stats and audit ---

func (r *Registry) stats(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return http.StatusOK, statsBody{true, r.statsLocked()}
}

func (r *Registry) statsLocked() legion.Stats {
	all := make([]*pkgRec, 0, len(r.st.pkgs))
	var downloads int64
	for _, p := range r.st.pkgs {
		all = append(all, p)
		downloads += p.downloads
	}
	sortPackages(all, "downloads")
	popular := make([]legion.Package, 0, popularCount)
	for _, p := range all[:min(popularCount, len(all))] {
		popular = append(popular, p.summary())
	}
	return legion.Stats{
		Packages:  int64(len(all)),
		Downloads: downloads,
		Users:     int64(len(r.st.users)),
		Popular:   popular,
	}
}

func (r *Registry) audit(c *reqCtx) (int, any) {
	var body struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	if body.Dependencies == nil {
		return c.fail(http.StatusBadRequest, "dependencies is required: an object of package name to range")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return http.StatusOK, auditBody{true, r.auditLocked(body.Dependencies)}
}

// auditLocked checks each dependency in name order: a range that does not
// parse or an unknown package is a problem; otherwise every advisory of the
// package (in id order) whose affected range shares a published version
// with the dependency's range is reported, with those versions.
func (r *Registry) auditLocked(deps map[string]string) legion.AuditReport {
	rep := legion.AuditReport{Advisories: []legion.Advisory{}, Scanned: len(deps)}
	for _, name := range sortedKeys(deps) {
		raw := deps[name]
		rng, err := semrange.Parse(raw)
		if err != nil {
			rep.Problems = append(rep.Problems, legion.AuditProblem{Package: name, Range: raw, Problem: "invalid range"})
			continue
		}
		p := r.st.pkgs[name]
		if p == nil {
			rep.Problems = append(rep.Problems, legion.AuditProblem{Package: name, Range: raw, Problem: "package not found"})
			continue
		}
		for _, a := range r.st.advisories[name] {
			var vs []string
			for _, v := range p.versions {
				if rng.Contains(v.v) && a.rng.Contains(v.v) {
					vs = append(vs, v.v.Original())
				}
			}
			if len(vs) > 0 {
				rep.Advisories = append(rep.Advisories, legion.Advisory{
					ID:       a.id,
					Package:  name,
					Range:    raw,
					Affected: a.affected,
					Severity: a.severity,
					Title:    a.title,
					URL:      a.url,
					Versions: vs,
				})
			}
		}
	}
	rep.Clean = len(rep.Advisories) == 0 && len(rep.Problems) == 0
	return rep
}
