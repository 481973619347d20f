package conformance

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// --- authentication: POST /auth/signup, POST /auth/login, GET /auth/me ---

func TestAuth(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	anon, rec := client(t, "")
	user := name("auth")
	password := legion.NewSecret("pw-" + randomString(12))

	s, err := anon.Signup(ctx, legion.SignupRequest{Username: user, Email: user + "@example.com", Password: password})
	ok(t, "signup", err, rec, created...)
	if !strings.HasPrefix(s.Token.Reveal(), "lgn_") || s.User.Username != user {
		t.Fatalf("signup answered %+v", s)
	}
	self, _ := client(t, s.Token.Reveal())
	t.Cleanup(func() { revokeAll(t, self) })

	t.Run("username taken 409", func(t *testing.T) {
		_, err := anon.Signup(ctx, legion.SignupRequest{Username: user, Email: "other-" + user + "@example.com", Password: password})
		status(t, "signup again", err, 409, legion.ErrConflict)
	})
	t.Run("invalid input 400", func(t *testing.T) {
		_, err := anon.Signup(ctx, legion.SignupRequest{Username: "Not A Valid Name!", Email: user + "x@example.com", Password: password})
		status(t, "signup with an invalid username", err, 400, legion.ErrBadRequest)
	})
	t.Run("login", func(t *testing.T) {
		l, err := anon.Login(ctx, legion.LoginRequest{Username: user, Password: password})
		ok(t, "login", err, rec, 200)
		if !strings.HasPrefix(l.Token.Reveal(), "lgn_") || l.User.Username != user {
			t.Fatalf("login answered %+v", l)
		}
		viaLogin, _ := client(t, l.Token.Reveal())
		if me, err := viaLogin.Me(ctx); err != nil || me.Username != user {
			t.Fatalf("Me with the login token: %+v, %v", me, err)
		}
	})
	t.Run("login wrong password 401", func(t *testing.T) {
		_, err := anon.Login(ctx, legion.LoginRequest{Username: user, Password: legion.NewSecret("wrong-" + password.Reveal())})
		status(t, "login with a wrong password", err, 401, legion.ErrUnauthorized)
	})
	t.Run("me", func(t *testing.T) {
		c, rec := client(t, s.Token.Reveal())
		me, err := c.Me(ctx)
		ok(t, "me", err, rec, 200)
		if me.Username != user || me.Email != user+"@example.com" {
			t.Fatalf("me: %+v", me)
		}
	})
	t.Run("me invalid token 401", func(t *testing.T) {
		c, _ := client(t, bogusToken())
		_, err := c.Me(ctx)
		status(t, "me with an unknown token", err, 401, legion.ErrUnauthorized)
	})
	t.Run("me without token", func(t *testing.T) {
		_, err := anon.Me(ctx)
		if !errors.Is(err, legion.ErrNoToken) || !errors.Is(err, legion.ErrUnauthorized) {
			t.Fatalf("me without a token: %v, want ErrNoToken", err)
		}
	})
}

// revokeAll revokes every token of c's user (c's own last), for accounts
// the suite made.
func revokeAll(t *testing.T, c *legion.Client) {
	ctx := ctxFor(t)
	ts, err := c.ListTokens(ctx)
	if err != nil {
		return // already revoked
	}
	for _, tok := range ts {
		if err := c.RevokeToken(ctx, tok.ID); err != nil && !errors.Is(err, legion.ErrUnauthorized) {
			t.Logf("cleanup: revoking %s: %v", tok.ID, err)
		}
	}
}

// --- tokens: GET /tokens, POST /tokens, DELETE /tokens/:id ---

func TestTokens(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	label := "lgc " + e.run + " read-only"

	ro := createToken(t, c, rec, legion.CreateTokenRequest{Name: label, Scopes: []legion.Scope{legion.ScopeRead}})
	value := ro.Value.Reveal()
	if !strings.HasPrefix(value, "lgn_") || ro.ID == "" || !strings.HasSuffix(value, ro.ID) || ro.Name != label {
		t.Fatalf("created token: id %q name %q, value %d characters", ro.ID, ro.Name, len(value))
	}
	if !slices.Equal(ro.Scopes, []legion.Scope{legion.ScopeRead}) {
		t.Errorf("created token scopes %v, want [read]", ro.Scopes)
	}

	t.Run("list shows the prefix only", func(t *testing.T) {
		ts, err := c.ListTokens(ctx)
		ok(t, "list tokens", err, rec, 200)
		i := slices.IndexFunc(ts, func(x legion.Token) bool { return x.ID == ro.ID })
		if i < 0 {
			t.Fatalf("token %s not listed among %d", ro.ID, len(ts))
		}
		got := ts[i]
		if got.Name != label || got.Prefix == "" || len(got.Prefix) >= len(value) || !strings.HasPrefix(value, got.Prefix) {
			t.Errorf("listed token: %+v", got)
		}
		raw, _ := json.Marshal(ts)
		if strings.Contains(string(raw), value) || strings.Contains(string(raw), value[4:]) {
			t.Fatal("the token list carries a full token value")
		}
	})
	t.Run("read-only token", func(t *testing.T) {
		roc, rorec := client(t, value)
		me, err := roc.Me(ctx)
		ok(t, "me with a read-only token", err, rorec, 200)
		if me.Username != e.owner {
			t.Fatalf("me: %+v", me)
		}
		_, err = roc.Publish(ctx, legion.PublishRequest{Name: name("ro"), Version: "1.0.0"})
		cleanupPackage(t, c, name("ro")) // in case it was published after all
		status(t, "publish with a read-only token", err, 403, legion.ErrForbidden)
		_, err = roc.CreateToken(ctx, legion.CreateTokenRequest{Name: "escalate", Scopes: []legion.Scope{legion.ScopePublish}})
		status(t, "a read-only token granting publish", err, 403, legion.ErrForbidden)
	})
	t.Run("publish token", func(t *testing.T) {
		pt := createToken(t, c, rec, legion.CreateTokenRequest{Name: "lgc " + e.run + " ci", Scopes: []legion.Scope{legion.ScopeRead, legion.ScopePublish}})
		ptc, ptrec := client(t, pt.Value.Reveal())
		cleanupPackage(t, c, name("tok"))
		publish(t, ptc, ptrec, legion.PublishRequest{Name: name("tok"), Version: "1.0.0"})
		if p, err := ptc.Download(ctx, name("tok"), legion.Latest); err != nil || p.Author != e.owner {
			t.Fatalf("a package published with a created token: %+v, %v", p, err)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		err := c.RevokeToken(ctx, ro.ID)
		ok(t, "revoke", err, rec, 200, 204)
		roc, _ := client(t, value)
		_, err = roc.Me(ctx)
		status(t, "me with a revoked token", err, 401, legion.ErrUnauthorized)
		ts, err := c.ListTokens(ctx)
		if err != nil || slices.ContainsFunc(ts, func(x legion.Token) bool { return x.ID == ro.ID }) {
			t.Fatalf("the revoked token is still listed (%v)", err)
		}
		err = c.RevokeToken(ctx, ro.ID)
		status(t, "revoke again", err, 404, legion.ErrNotFound)
	})
	t.Run("invalid token 401", func(t *testing.T) {
		bad, _ := client(t, bogusToken())
		_, err := bad.ListTokens(ctx)
		status(t, "list tokens with an unknown token", err, 401, legion.ErrUnauthorized)
		_, err = bad.CreateToken(ctx, legion.CreateTokenRequest{Name: "x", Scopes: []legion.Scope{legion.ScopeRead}})
		status(t, "create a token with an unknown token", err, 401, legion.ErrUnauthorized)
		err = bad.RevokeToken(ctx, ro.ID)
		status(t, "revoke with an unknown token", err, 401, legion.ErrUnauthorized)
	})
}

// --- publishing: POST /packages/publish, POST /packages/unpublish ---

func TestPublish(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("pub")

	pv := publish(t, c, rec, legion.PublishRequest{
		Name: pkg, Version: "1.0.0", Description: "conformance publish", License: "MIT",
		Keywords: []string{"conformance"}, Readme: "# " + pkg, Dependencies: map[string]string{name("dep"): "^1.0.0"},
	})
	if pv.Name != pkg || pv.Version == nil || pv.Version.String() != "1.0.0" {
		t.Fatalf("publish answered %+v", pv)
	}

	t.Run("republish 409", func(t *testing.T) {
		_, err := c.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
		status(t, "publishing 1.0.0 again", err, 409, legion.ErrConflict)
	})
	t.Run("new version", func(t *testing.T) {
		_, err := c.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "1.1.0", License: "MIT"})
		ok(t, "publish 1.1.0", err, rec, created...)
	})
	t.Run("not the owner 403", func(t *testing.T) {
		o, _ := other(t)
		_, err := o.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "9.0.0"})
		status(t, "another user publishing a version", err, 403, legion.ErrForbidden)
		err = o.Unpublish(ctx, pkg)
		status(t, "another user unpublishing", err, 403, legion.ErrForbidden)
	})
	t.Run("invalid name 400", func(t *testing.T) {
		bad := "LGC_" + strings.ToUpper(e.run) + "!bad"
		_, err := c.Publish(ctx, legion.PublishRequest{Name: bad, Version: "1.0.0"})
		cleanupPackage(t, c, bad)
		status(t, "publishing an invalid name", err, 400, legion.ErrBadRequest)
	})
	t.Run("invalid token 401", func(t *testing.T) {
		bad, _ := client(t, bogusToken())
		_, err := bad.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "3.0.0"})
		status(t, "publishing with an unknown token", err, 401, legion.ErrUnauthorized)
		err = bad.Unpublish(ctx, pkg)
		status(t, "unpublishing with an unknown token", err, 401, legion.ErrUnauthorized)
	})
	t.Run("unpublish", func(t *testing.T) {
		err := c.Unpublish(ctx, pkg)
		ok(t, "unpublish", err, rec, 200, 204)
		_, err = c.GetPackage(ctx, pkg)
		status(t, "get an unpublished package", err, 404, legion.ErrNotFound)
		_, err = c.ListVersions(ctx, pkg)
		status(t, "versions of an unpublished package", err, 404, legion.ErrNotFound)
		err = c.Unpublish(ctx, pkg)
		status(t, "unpublish again", err, 404, legion.ErrNotFound)
	})
}

// --- listing: GET /packages?sort&page&limit&q ---

func TestList(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	tag := "lst" + randomString(4)
	a, b, cc := name(tag+"-a"), name(tag+"-b"), name(tag+"-c")
	for _, n := range []string{a, b, cc} { // created in this order
		publish(t, c, rec, legion.PublishRequest{Name: n, Version: "1.0.0"})
		time.Sleep(5 * time.Millisecond) // distinct creation times at ms precision
	}
	filter := name(tag) // a substring of the three names only

	names := func(t *testing.T, o legion.ListOptions) ([]string, *legion.PackageList) {
		t.Helper()
		o.Query = filter
		l, err := c.ListPackages(ctx, &o)
		ok(t, "list", err, rec, 200)
		var ns []string
		for _, p := range l.Packages {
			ns = append(ns, p.Name)
		}
		return ns, l
	}
	t.Run("sort name, pages", func(t *testing.T) {
		got, l := names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 1})
		if !slices.Equal(got, []string{a, b}) || l.Total != 3 {
			t.Fatalf("page 1 of 2: %v total %d", got, l.Total)
		}
		got, _ = names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 2})
		if !slices.Equal(got, []string{cc}) {
			t.Fatalf("page 2 of 2: %v", got)
		}
		got, _ = names(t, legion.ListOptions{Sort: legion.SortName, Limit: 2, Page: 3})
		if len(got) != 0 {
			t.Fatalf("page 3 of 2: %v", got)
		}
	})
	t.Run("sort newest", func(t *testing.T) {
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortNewest}); !slices.Equal(got, []string{cc, b, a}) {
			t.Fatalf("newest first: %v", got)
		}
	})
	t.Run("sort recent", func(t *testing.T) {
		time.Sleep(5 * time.Millisecond)
		_, err := c.Publish(ctx, legion.PublishRequest{Name: a, Version: "1.1.0"})
		ok(t, "publish a new version", err, rec, created...)
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortRecent}); !slices.Equal(got, []string{a, cc, b}) {
			t.Fatalf("recently updated first: %v", got)
		}
	})
	t.Run("sort downloads", func(t *testing.T) {
		for _, n := range []string{b, b, cc} { // b: 2 downloads, c: 1, a: 0
			if _, err := c.GetPackage(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := names(t, legion.ListOptions{Sort: legion.SortDownloads}); !slices.Equal(got, []string{b, cc, a}) {
			t.Fatalf("most downloaded first: %v", got)
		}
	})
	t.Run("all pages", func(t *testing.T) {
		var got []string
		for p, err := range c.AllPackages(ctx, &legion.ListOptions{Sort: legion.SortName, Limit: 1, Query: filter}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Name)
		}
		if !slices.Equal(got, []string{a, b, cc}) {
			t.Fatalf("AllPackages: %v", got)
		}
	})
	t.Run("default page", func(t *testing.T) {
		l, err := c.ListPackages(ctx, nil)
		ok(t, "list with defaults", err, rec, 200)
		if len(l.Packages) == 0 || len(l.Packages) > legion.MaxLimit {
			t.Fatalf("default page holds %d packages", len(l.Packages))
		}
	})
}

// --- one package: GET /packages/:name (counts a download), versions, download ---

func TestGetPackageCountsDownloads(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("get")
	publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
	publish(t, c, rec, legion.PublishRequest{
		Name: pkg, Version: "1.2.0", Description: "get me", License: "Apache-2.0",
		Keywords: []string{"lgc"}, Readme: "# get", Dependencies: map[string]string{"legion-http": "^1.0.0"},
	})

	p, err := c.GetPackage(ctx, pkg)
	ok(t, "get", err, rec, 200)
	if p.Name != pkg || p.Author != e.owner || p.Latest == nil || p.Latest.String() != "1.2.0" ||
		p.Description != "get me" || p.License != "Apache-2.0" || p.Readme != "# get" ||
		p.Dependencies["legion-http"] != "^1.0.0" || len(p.Versions) != 2 || p.CreatedAt.IsZero() {
		t.Fatalf("package: %+v", p)
	}
	d1 := p.Downloads
	p, err = c.GetPackage(ctx, pkg)
	if err != nil || p.Downloads != d1+1 {
		t.Fatalf("a second GET: downloads %d, want %d (%v)", p.Downloads, d1+1, err)
	}

	// Listing, versions and search do not count (reference Part 2 §6).
	if _, err := c.ListVersions(ctx, pkg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx, pkg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListPackages(ctx, &legion.ListOptions{Query: pkg}); err != nil {
		t.Fatal(err)
	}
	p, err = c.GetPackage(ctx, pkg)
	if err != nil || p.Downloads != d1+2 {
		t.Fatalf("after versions, search and list: downloads %d, want %d (%v)", p.Downloads, d1+2, err)
	}

	_, err = c.GetPackage(ctx, name("missing"))
	status(t, "get an unknown package", err, 404, legion.ErrNotFound)
}

func TestVersionsAndDownload(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("ver")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-rc.1"} {
		publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: v, Readme: "# " + v})
	}

	t.Run("versions", func(t *testing.T) {
		vs, err := c.ListVersions(ctx, pkg)
		ok(t, "versions", err, rec, 200)
		var got []string
		for _, v := range vs {
			got = append(got, v.Version.String())
			if v.PublishedAt.IsZero() {
				t.Errorf("%s has no timestamp", v.Version)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"1.0.0", "1.1.0", "2.0.0-rc.1"}) {
			t.Fatalf("versions: %v", got)
		}
		_, err = c.ListVersions(ctx, name("missing"))
		status(t, "versions of an unknown package", err, 404, legion.ErrNotFound)
	})
	t.Run("download latest", func(t *testing.T) {
		v, err := c.Download(ctx, pkg, legion.Latest)
		ok(t, "download latest", err, rec, 200)
		if v.Version == nil || v.Version.String() != "1.1.0" {
			t.Fatalf("latest is %v, want 1.1.0 (the highest release)", v.Version)
		}
	})
	t.Run("download a version", func(t *testing.T) {
		v, err := c.Download(ctx, pkg, "2.0.0-rc.1")
		ok(t, "download 2.0.0-rc.1", err, rec, 200)
		if v.Version == nil || v.Version.String() != "2.0.0-rc.1" || v.PublishedAt.IsZero() {
			t.Fatalf("download: %+v", v)
		}
		_, err = c.Download(ctx, pkg, "9.9.9")
		status(t, "download an unknown version", err, 404, legion.ErrNotFound)
		_, err = c.Download(ctx, name("missing"), legion.Latest)
		status(t, "download from an unknown package", err, 404, legion.ErrNotFound)
	})
}

// --- GET /search ---

func TestSearch(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	word := strings.ReplaceAll(name("srch"), "-", "") // one word, in these packages only
	exact := name("srch")
	publish(t, c, rec, legion.PublishRequest{Name: exact, Version: "1.0.0", Description: "an exact name match", Keywords: []string{word}})
	publish(t, c, rec, legion.PublishRequest{Name: name("srch-more"), Version: "1.0.0", Description: "mentions " + word})

	res, err := c.Search(ctx, exact, &legion.SearchOptions{Limit: 10})
	ok(t, "search", err, rec, 200)
	if len(res.Results) == 0 || res.Results[0].Name != exact {
		t.Fatalf("searching %q: %v, want it first", exact, resultNames(res))
	}
	for i, p := range res.Results {
		if i > 0 && p.Score > res.Results[i-1].Score {
			t.Errorf("results not ranked: %v", resultNames(res))
		}
	}

	res, err = c.Search(ctx, word, nil)
	if err != nil || len(res.Results) != 2 {
		t.Fatalf("searching a keyword and description word: %v (%v)", resultNames(res), err)
	}
	res, err = c.Search(ctx, word, &legion.SearchOptions{Limit: 1})
	if err != nil || len(res.Results) != 1 {
		t.Fatalf("limit 1: %v (%v)", resultNames(res), err)
	}
	res, err = c.Search(ctx, e.owner, &legion.SearchOptions{Limit: 100})
	if err != nil || !slices.Contains(resultNames(res), exact) {
		t.Fatalf("searching the author %q: %v (%v)", e.owner, resultNames(res), err)
	}
	res, err = c.Search(ctx, "zq"+randomString(20), nil)
	if err != nil || len(res.Results) != 0 {
		t.Fatalf("a word nothing has: %v (%v)", resultNames(res), err)
	}
}

func resultNames(r *legion.SearchResult) []string {
	if r == nil {
		return nil
	}
	var ns []string
	for _, p := range r.Results {
		ns = append(ns, p.Name)
	}
	return ns
}

// --- GET /users/:username, GET /users/:username/packages ---

func TestUsers(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	anon, rec := client(t, "")
	o, orec := other(t)
	mine := name("usr-other")
	publish(t, o, orec, legion.PublishRequest{Name: mine, Version: "1.0.0"})

	u, err := anon.GetUser(ctx, e.other)
	ok(t, "get user", err, rec, 200)
	if u.Username != e.other || u.Email != "" {
		t.Fatalf("public profile: %+v (the e-mail is for its owner only)", u)
	}
	ps, err := anon.ListUserPackages(ctx, e.other)
	ok(t, "user packages", err, rec, 200)
	var names []string
	for _, p := range ps.Packages {
		names = append(names, p.Name)
		if p.Author != "" && p.Author != e.other {
			t.Errorf("%s listed with author %q", p.Name, p.Author)
		}
	}
	if !slices.Contains(names, mine) {
		t.Fatalf("user packages: %v, want %s", names, mine)
	}

	missing := name("nobody")
	_, err = anon.GetUser(ctx, missing)
	status(t, "get an unknown user", err, 404, legion.ErrNotFound)
	_, err = anon.ListUserPackages(ctx, missing)
	status(t, "packages of an unknown user", err, 404, legion.ErrNotFound)
}

// --- GET /stats ---

func TestStats(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	publish(t, c, rec, legion.PublishRequest{Name: name("stats"), Version: "1.0.0"})

	st, err := c.Stats(ctx)
	ok(t, "stats", err, rec, 200)
	if st.Packages < 1 || st.Users < 2 || st.Downloads < 0 || int64(len(st.Popular)) > st.Packages {
		t.Fatalf("stats: %+v", st)
	}
	for i := 1; i < len(st.Popular); i++ {
		if st.Popular[i].Downloads > st.Popular[i-1].Downloads {
			t.Fatalf("popular is not most-downloaded first: %d after %d", st.Popular[i].Downloads, st.Popular[i-1].Downloads)
		}
	}
}

// --- POST /audit ---

func TestAudit(t *testing.T) {
	t.Parallel()
	name := namer()
	ctx := ctxFor(t)
	c, rec := owner(t)
	pkg := name("aud")
	publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
	publish(t, c, rec, legion.PublishRequest{Name: pkg, Version: "1.0.1"})

	t.Run("clean", func(t *testing.T) {
		anon, arec := client(t, "")
		rep, err := anon.Audit(ctx, map[string]string{pkg: "^1.0.0"})
		ok(t, "audit", err, arec, 200)
		if !rep.Clean || rep.Scanned != 1 || len(rep.Advisories) != 0 {
			t.Fatalf("audit of a package without advisories: %+v", rep)
		}
	})
	t.Run("finds an advisory", func(t *testing.T) {
		fakeOnly(t, "seeding an advisory")
		err := e.fake.AddAdvisory(legiontest.SeedAdvisory{
			ID: strings.ToUpper(name("adv")), Package: pkg, Affected: "<1.0.1",
			Severity: legion.SeverityHigh, Title: "conformance advisory",
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := c.Audit(ctx, map[string]string{pkg: "^1.0.0"})
		ok(t, "audit", err, rec, 200)
		if rep.Clean || len(rep.Advisories) != 1 {
			t.Fatalf("audit: %+v", rep)
		}
		a := rep.Advisories[0]
		if a.Package != pkg || a.Severity != legion.SeverityHigh || a.Range != "^1.0.0" || !slices.Equal(a.Versions, []string{"1.0.0"}) {
			t.Fatalf("advisory: %+v", a)
		}
		rep, err = c.Audit(ctx, map[string]string{pkg: ">=1.0.1"})
		if err != nil || !rep.Clean {
			t.Fatalf("a range that excludes the affected versions: %+v (%v)", rep, err)
		}
	})
}

// --- 429 ---

// TestRateLimited forces 429s on a fake of its own (a rate limit on the
// shared one would throttle the parallel tests).
func TestRateLimited(t *testing.T) {
	t.Parallel()
	fakeOnly(t, "forcing a 429")
	clock := legiontest.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := legiontest.NewServer(t, legiontest.WithClock(clock), legiontest.WithRateLimit(2, time.Minute, legiontest.ByToken))
	tok, err := srv.AddUser("limited", "limited@example.com", "limitedpw1")
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t)
	c := srv.Client(legion.WithToken(tok))
	for i := range 2 {
		if _, err := c.Me(ctx); err != nil {
			t.Fatalf("request %d of 2: %v", i+1, err)
		}
	}
	_, err = c.Me(ctx)
	var le *legion.Error
	if !errors.Is(err, legion.ErrRateLimited) || !errors.As(err, &le) || le.StatusCode != 429 || le.RetryAfter != time.Minute {
		t.Fatalf("over the limit: %v, want 429 with Retry-After 60s", err)
	}
	if le.Attempts != 1 {
		t.Errorf("a Retry-After beyond the SDK's maximum wait was retried (%d attempts)", le.Attempts)
	}
	// Another token has its own allowance.
	tok2, _ := srv.AddToken("limited", "second", legion.ScopeRead)
	if _, err := srv.Client(legion.WithToken(tok2)).Me(ctx); err != nil {
		t.Fatalf("another token: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
