package legiontest_test

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

var tokenRe = regexp.MustCompile(`^lgn_[A-Za-z0-9]{32}$`)

func TestAccounts(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	anon := srv.Client()

	s, err := anon.Signup(ctx(), legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	if !tokenRe.MatchString(s.Token.Reveal()) {
		t.Fatalf("token %q is not lgn_ and 32 letters or digits", s.Token.Reveal())
	}
	wantUser := legion.User{Username: "alice", Email: "alice@example.com", CreatedAt: t0}
	if diff := cmp.Diff(wantUser, s.User); diff != "" {
		t.Errorf("signup user (-want +got):\n%s", diff)
	}

	alice := srv.Client(legion.WithToken(s.Token.Reveal()))
	me, err := alice.Me(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantUser, *me); diff != "" {
		t.Errorf("Me (-want +got):\n%s", diff)
	}

	clock.Advance(time.Hour)
	l, err := anon.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	if l.Token.Equal(s.Token) || !tokenRe.MatchString(l.Token.Reveal()) {
		t.Errorf("login token %q: want a new token", l.Token.Reveal())
	}
	if diff := cmp.Diff(wantUser, l.User); diff != "" {
		t.Errorf("login user (-want +got):\n%s", diff)
	}
	// The login token has both scopes: it can publish.
	publish(t, srv.Client(legion.WithToken(l.Token.Reveal())), legion.PublishRequest{Name: "by-login", Version: "1.0.0"})

	_, err = anon.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("wrong-password")})
	wantStatus(t, err, 401, "invalid username or password")
	_, err = anon.Login(ctx(), legion.LoginRequest{Username: "nobody", Password: legion.NewSecret("hunter2xx")})
	wantStatus(t, err, 401, "invalid username or password")

	// Public profile: no e-mail.
	u, err := anon.GetUser(ctx(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(legion.User{Username: "alice", CreatedAt: t0}, *u); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	_, err = anon.GetUser(ctx(), "nobody")
	wantStatus(t, err, 404, "not found")

	// Me needs a valid token.
	if _, err := anon.Me(ctx()); !errors.Is(err, legion.ErrUnauthorized) {
		t.Errorf("Me without token: %v", err)
	}
	bogus := srv.Client(legion.WithToken("lgn_" + "x0000000000000000000000000000000"))
	_, err = bogus.Me(ctx())
	wantStatus(t, err, 401, "invalid or revoked token")
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	anon := srv.Client()
	if _, err := anon.Signup(ctx(), legion.SignupRequest{Username: "bob", Email: "bob@example.com", Password: legion.NewSecret("longenough")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		req    legion.SignupRequest
		status int
		msg    string
	}{
		{legion.SignupRequest{Username: "ab", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "Bob2", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "-bob", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "bob.smith", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "abcdefghijklmnopqrstuvwxyz0123456", Email: "x@example.com", Password: legion.NewSecret("longenough")}, 400, "username"},
		{legion.SignupRequest{Username: "carol", Email: "carol@localhost", Password: legion.NewSecret("longenough")}, 400, "email"},
		{legion.SignupRequest{Username: "carol", Email: "carol@.com", Password: legion.NewSecret("longenough")}, 400, "email"},
		{legion.SignupRequest{Username: "carol", Email: "carol@example.com", Password: legion.NewSecret("short")}, 400, "password"},
		{legion.SignupRequest{Username: "bob", Email: "other@example.com", Password: legion.NewSecret("longenough")}, 409, "username"},
		{legion.SignupRequest{Username: "carol", Email: "BOB@example.com", Password: legion.NewSecret("longenough")}, 409, "email"},
	} {
		_, err := anon.Signup(ctx(), tc.req)
		wantStatus(t, err, tc.status, tc.msg)
	}
	// Edge cases that are valid.
	for _, req := range []legion.SignupRequest{
		{Username: "a_b", Email: "ab@sub.example.org", Password: legion.NewSecret("12345678")},
		{Username: "0-9", Email: "n@x.io", Password: legion.NewSecret("ünïcödé!")},
		{Username: "abcdefghijklmnopqrstuvwxyz012345", Email: "long@example.com", Password: legion.NewSecret("12345678")},
	} {
		if _, err := anon.Signup(ctx(), req); err != nil {
			t.Errorf("Signup %q: %v", req.Username, err)
		}
	}
}

func TestTokensAndScopes(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")

	clock.Advance(time.Minute)
	ro, err := alice.CreateToken(ctx(), legion.CreateTokenRequest{Name: "read only", Scopes: []legion.Scope{legion.ScopeRead}})
	if err != nil {
		t.Fatal(err)
	}
	v := ro.Value.Reveal()
	if !tokenRe.MatchString(v) {
		t.Fatalf("token %q", v)
	}
	wantRO := legion.Token{ID: v[len(v)-8:], Name: "read only", Prefix: v[:8], Scopes: []legion.Scope{legion.ScopeRead}, CreatedAt: t0.Add(time.Minute)}
	if diff := cmp.Diff(wantRO, ro.Token); diff != "" {
		t.Errorf("created token (-want +got):\n%s", diff)
	}

	readOnly := srv.Client(legion.WithToken(v))
	clock.Advance(time.Minute)
	ts, err := readOnly.ListTokens(ctx())
	if err != nil {
		t.Fatal(err)
	}
	// The default token was last used a minute ago, by CreateToken; the
	// read-only one just now, by this very call.
	if len(ts) != 2 || ts[0].Name != "default" || ts[1].ID != wantRO.ID {
		t.Fatalf("tokens = %+v", ts)
	}
	if !ts[0].LastUsedAt.Equal(t0.Add(time.Minute)) || !ts[1].LastUsedAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("lastUsedAt = %v, %v", ts[0].LastUsedAt, ts[1].LastUsedAt)
	}
	if diff := cmp.Diff([]legion.Scope{legion.ScopeRead, legion.ScopePublish}, ts[0].Scopes); diff != "" {
		t.Errorf("default token scopes (-want +got):\n%s", diff)
	}

	// A read-only token can neither publish nor unpublish nor mint a
	// publish token; it can mint another read token.
	_, err = readOnly.Publish(ctx(), legion.PublishRequest{Name: "nope", Version: "1.0.0"})
	if !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("read-only Publish: %v, want ErrForbidden", err)
	}
	publish(t, alice, legion.PublishRequest{Name: "mine", Version: "1.0.0"})
	if err := readOnly.Unpublish(ctx(), "mine"); !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("read-only Unpublish: %v, want ErrForbidden", err)
	}
	_, err = readOnly.CreateToken(ctx(), legion.CreateTokenRequest{Name: "escalate", Scopes: []legion.Scope{legion.ScopeRead, legion.ScopePublish}})
	wantStatus(t, err, 403, "publish")
	if _, err := readOnly.CreateToken(ctx(), legion.CreateTokenRequest{Name: "another", Scopes: []legion.Scope{legion.ScopeRead}}); err != nil {
		t.Errorf("read-only minting a read token: %v", err)
	}

	// A publish-only token can publish.
	po, err := alice.CreateToken(ctx(), legion.CreateTokenRequest{Name: "ci", Scopes: []legion.Scope{legion.ScopePublish}})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, srv.Client(legion.WithToken(po.Value.Reveal())), legion.PublishRequest{Name: "mine", Version: "1.1.0"})

	// Bob cannot revoke Alice's token; it stays valid.
	err = bob.RevokeToken(ctx(), wantRO.ID)
	wantStatus(t, err, 404, "token not found")
	if _, err := readOnly.Me(ctx()); err != nil {
		t.Errorf("token revoked by another user: %v", err)
	}
	err = alice.RevokeToken(ctx(), "zzzzzzzz")
	wantStatus(t, err, 404, "token not found")

	// Alice revokes it: 401 afterwards, and it is gone from the list.
	if err := alice.RevokeToken(ctx(), wantRO.ID); err != nil {
		t.Fatal(err)
	}
	_, err = readOnly.Me(ctx())
	wantStatus(t, err, 401, "invalid or revoked token")
	ts, err = alice.ListTokens(ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if tok.ID == wantRO.ID {
			t.Errorf("revoked token still listed")
		}
	}
	// A revoked token on a public endpoint is ignored, not refused.
	if _, err := readOnly.Stats(ctx()); err != nil {
		t.Errorf("public endpoint with a revoked token: %v", err)
	}
}

func TestPublishOwnershipAndConflicts(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")

	req := legion.PublishRequest{
		Name: "legion-mylib", Version: "1.0.0", Description: "My lib", License: "MIT",
		Keywords: []string{"lib", "demo"}, Readme: "# mylib", Dependencies: map[string]string{"legion-http": "^1.0.0"},
	}
	pv := publish(t, alice, req)
	want := legion.PackageVersion{
		Name: "legion-mylib", Version: mustV("1.0.0"), Description: "My lib", Author: "alice", License: "MIT",
		Keywords: []string{"lib", "demo"}, Readme: "# mylib", Dependencies: map[string]string{"legion-http": "^1.0.0"}, PublishedAt: t0,
	}
	if diff := cmp.Diff(want, *pv, cmpOpts); diff != "" {
		t.Errorf("Publish (-want +got):\n%s", diff)
	}
	if got := srv.Requests(); got[len(got)-1].Status != http.StatusCreated {
		t.Errorf("publish answered %d, want 201", got[len(got)-1].Status)
	}

	_, err := alice.Publish(ctx(), req)
	wantStatus(t, err, 409, "already published")
	if !errors.Is(err, legion.ErrConflict) {
		t.Errorf("republish: %v", err)
	}
	// Build metadata does not make another version.
	_, err = alice.Publish(ctx(), legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0+build.7"})
	wantStatus(t, err, 409, "already published")

	_, err = bob.Publish(ctx(), legion.PublishRequest{Name: "legion-mylib", Version: "2.0.0"})
	if !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("publish over another's package: %v, want ErrForbidden", err)
	}
	if err := bob.Unpublish(ctx(), "legion-mylib"); !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("unpublish another's package: %v, want ErrForbidden", err)
	}
	if err := alice.Unpublish(ctx(), "nothing-here"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("unpublish unknown: %v, want ErrNotFound", err)
	}

	clock.Advance(time.Hour)
	publish(t, alice, legion.PublishRequest{Name: "legion-mylib", Version: "1.1.0", Description: "newer"})
	p, ok := srv.Package("legion-mylib")
	if !ok || !p.CreatedAt.Equal(t0) || !p.UpdatedAt.Equal(t0.Add(time.Hour)) || p.Author != "alice" {
		t.Errorf("package = %+v", p)
	}

	// Invalid input the SDK lets through is refused by the registry.
	for _, tc := range []struct {
		req legion.PublishRequest
		msg string
	}{
		{legion.PublishRequest{Name: "UpperCase", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: ".hidden", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: "a/b", Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: strings.Repeat("x", 65), Version: "1.0.0"}, "name"},
		{legion.PublishRequest{Name: "publish", Version: "1.0.0"}, "reserved"},
		{legion.PublishRequest{Name: "ok-name", Version: "1.0.0", Dependencies: map[string]string{"Bad": "^1.0.0"}}, "dependencies"},
	} {
		_, err := alice.Publish(ctx(), tc.req)
		wantStatus(t, err, 400, tc.msg)
	}
	// 64 characters with dots and underscores is fine.
	publish(t, alice, legion.PublishRequest{Name: "a.b_c-" + fmt.Sprintf("%058d", 0), Version: "0.0.1"})

	// Unpublish removes every version and its advisories, and frees the name.
	if err := srv.AddAdvisory(legiontest.SeedAdvisory{Package: "legion-mylib", Affected: "<1.0.0", Severity: legion.SeverityHigh, Title: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := alice.Unpublish(ctx(), "legion-mylib"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetPackage(ctx(), "legion-mylib"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("GetPackage after unpublish: %v", err)
	}
	if vs := srv.Versions("legion-mylib"); vs != nil {
		t.Errorf("versions after unpublish: %v", vs)
	}
	publish(t, bob, legion.PublishRequest{Name: "legion-mylib", Version: "0.1.0"})
	if p, _ := srv.Package("legion-mylib"); p.Author != "bob" {
		t.Errorf("new owner = %q, want bob", p.Author)
	}
	if rep, err := bob.Audit(ctx(), map[string]string{"legion-mylib": "^0.1.0"}); err != nil || !rep.Clean {
		t.Errorf("audit of the new owner's package = %+v, %v; want clean", rep, err)
	}
}

func TestLatestIsHighestReleaseBySemver(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	anon := srv.Client()

	for i, v := range []string{"1.0.0", "2.0.0", "1.10.0", "1.9.0", "3.0.0-rc.1", "2.0.0-beta.2"} {
		clock.Set(t0.Add(time.Duration(i) * time.Minute))
		publish(t, alice, legion.PublishRequest{
			Name: "lib", Version: v, Description: "lib " + v, Readme: "readme " + v,
			Dependencies: map[string]string{"dep": "~" + v},
		})
	}
	p, err := anon.GetPackage(ctx(), "lib")
	if err != nil {
		t.Fatal(err)
	}
	want := legion.Package{
		Name: "lib", Description: "lib 2.0.0", Author: "alice", Readme: "readme 2.0.0", Latest: mustV("2.0.0"),
		Versions: []legion.PackageVersion{
			{Version: mustV("1.0.0"), PublishedAt: t0},
			{Version: mustV("1.9.0"), PublishedAt: t0.Add(3 * time.Minute)},
			{Version: mustV("1.10.0"), PublishedAt: t0.Add(2 * time.Minute)},
			{Version: mustV("2.0.0-beta.2"), PublishedAt: t0.Add(5 * time.Minute)},
			{Version: mustV("2.0.0"), PublishedAt: t0.Add(time.Minute)},
			{Version: mustV("3.0.0-rc.1"), PublishedAt: t0.Add(4 * time.Minute)},
		},
		Dependencies: map[string]string{"dep": "~2.0.0"},
		Downloads:    1,
		CreatedAt:    t0,
		UpdatedAt:    t0.Add(5 * time.Minute),
	}
	if diff := cmp.Diff(want, *p, cmpOpts); diff != "" {
		t.Errorf("GetPackage (-want +got):\n%s", diff)
	}

	vs, err := anon.ListVersions(ctx(), "lib")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Version.Original())
		if v.Name != "lib" || v.Author != "alice" || v.Description != "lib "+v.Version.Original() || v.Readme != "" {
			t.Errorf("version entry %+v", v)
		}
	}
	if diff := cmp.Diff([]string{"1.0.0", "1.9.0", "1.10.0", "2.0.0-beta.2", "2.0.0", "3.0.0-rc.1"}, got); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}

	d, err := anon.Download(ctx(), "lib", legion.Latest)
	if err != nil {
		t.Fatal(err)
	}
	wantD := legion.PackageVersion{Name: "lib", Version: mustV("2.0.0"), Description: "lib 2.0.0", Author: "alice",
		Readme: "readme 2.0.0", Dependencies: map[string]string{"dep": "~2.0.0"}, PublishedAt: t0.Add(time.Minute)}
	if diff := cmp.Diff(wantD, *d, cmpOpts); diff != "" {
		t.Errorf("Download latest (-want +got):\n%s", diff)
	}
	d, err = anon.Download(ctx(), "lib", "1.9.0")
	if err != nil || d.Version.Original() != "1.9.0" || d.Readme != "readme 1.9.0" {
		t.Errorf("Download 1.9.0 = %+v, %v", d, err)
	}
	_, err = anon.Download(ctx(), "lib", "9.9.9")
	wantStatus(t, err, 404, "9.9.9")
	_, err = anon.Download(ctx(), "nothing", "1.0.0")
	wantStatus(t, err, 404, "nothing")

	r, err := anon.Resolve(ctx(), "lib", "^1.0.0")
	if err != nil || r.Version.Original() != "1.10.0" {
		t.Errorf("Resolve ^1.0.0 = %v, %v", r, err)
	}

	// Only prereleases: latest is the highest prerelease.
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.1"})
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.10"})
	publish(t, alice, legion.PublishRequest{Name: "pre", Version: "1.0.0-alpha.2"})
	if p, _ := srv.Package("pre"); p.Latest.Original() != "1.0.0-alpha.10" {
		t.Errorf("latest of prereleases = %v", p.Latest)
	}
	if d, err := anon.Download(ctx(), "pre", "latest"); err != nil || d.Version.Original() != "1.0.0-alpha.10" {
		t.Errorf("Download pre latest = %v, %v", d, err)
	}
}

func TestOnlyGetPackageCountsDownloads(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	publish(t, alice, legion.PublishRequest{Name: "counted", Version: "1.0.0", Keywords: []string{"x"}})
	anon := srv.Client()

	check := func(step string, want int64) {
		t.Helper()
		if got := srv.Downloads("counted"); got != want {
			t.Fatalf("after %s: downloads = %d, want %d", step, got, want)
		}
	}
	mustOK := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustOK(anon.ListPackages(ctx(), nil))
	mustOK(anon.Search(ctx(), "counted", nil))
	mustOK(anon.ListVersions(ctx(), "counted"))
	mustOK(anon.Download(ctx(), "counted", "1.0.0"))
	mustOK(anon.Download(ctx(), "counted", "latest"))
	mustOK(anon.Resolve(ctx(), "counted", "^1"))
	mustOK(anon.Stats(ctx()))
	mustOK(anon.ListUserPackages(ctx(), "alice"))
	mustOK(anon.Audit(ctx(), map[string]string{"counted": "*"}))
	srv.Package("counted")
	srv.Versions("counted")
	check("every other endpoint", 0)

	for i := int64(1); i <= 3; i++ {
		p, err := anon.GetPackage(ctx(), "counted")
		if err != nil {
			t.Fatal(err)
		}
		if p.Downloads != i {
			t.Errorf("GetPackage #%d shows %d downloads", i, p.Downloads)
		}
	}
	check("3 × GetPackage", 3)
	if _, err := anon.GetPackage(ctx(), "missing"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("GetPackage missing: %v", err)
	}
	if err := srv.SetDownloads("counted", 1000); err != nil {
		t.Fatal(err)
	}
	check("SetDownloads", 1000)
}

// seedMany adds n packages named pkg-000… with the given downloads, all
// published at the same instant.
func seedMany(t testing.TB, r *legiontest.Registry, n int, downloads func(i int) int64) {
	t.Helper()
	if _, err := r.AddUser("seeder", "seeder@example.com", "seeder-password"); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		err := r.AddPackage(legiontest.SeedPackage{
			Name: fmt.Sprintf("pkg-%03d", i), Owner: "seeder", Description: fmt.Sprintf("package number %d", i),
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: downloads(i),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPagingHasNoRepeatsOrGaps(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	const n = 57
	// Equal downloads and timestamps everywhere: only the name tie-break
	// orders them. A few distinct counts make downloads sorting non-trivial.
	seedMany(t, srv.Registry, n, func(i int) int64 {
		if i%10 == 0 {
			return int64(i)
		}
		return 7
	})
	anon := srv.Client()

	var all []string
	for i := range n {
		all = append(all, fmt.Sprintf("pkg-%03d", i))
	}
	for _, sort := range []legion.Sort{"", legion.SortDownloads, legion.SortName, legion.SortRecent, legion.SortNewest} {
		for _, limit := range []int{1, 10, 20, 56, 57, 100} {
			var walked []string
			for page := 1; ; page++ {
				list, err := anon.ListPackages(ctx(), &legion.ListOptions{Sort: sort, Page: page, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				if list.Total != n || list.Page != page || list.Limit != limit {
					t.Fatalf("sort %q page %d: total/page/limit = %d/%d/%d", sort, page, list.Total, list.Page, list.Limit)
				}
				if len(list.Packages) == 0 {
					break
				}
				walked = append(walked, names(list.Packages)...)
			}
			got := slices.Clone(walked)
			slices.Sort(got)
			if diff := cmp.Diff(all, got); diff != "" {
				t.Fatalf("sort %q limit %d: pages repeat or skip (-want +got):\n%s", sort, limit, diff)
			}
			if sort == legion.SortName && !slices.IsSorted(walked) {
				t.Errorf("sort=name not alphabetical: %v", walked)
			}
		}
	}
	// AllPackages walks the same pages.
	var iter []string
	for p, err := range anon.AllPackages(ctx(), &legion.ListOptions{Limit: 8}) {
		if err != nil {
			t.Fatal(err)
		}
		iter = append(iter, p.Name)
	}
	if len(iter) != n {
		t.Errorf("AllPackages yielded %d packages, want %d", len(iter), n)
	}
	// Downloads order: 50, 40, 30, 20, 10, then the 7s by name, then 0.
	list, err := anon.ListPackages(ctx(), &legion.ListOptions{Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pkg-050", "pkg-040", "pkg-030", "pkg-020", "pkg-010", "pkg-001", "pkg-002"}, names(list.Packages)); diff != "" {
		t.Errorf("default order (-want +got):\n%s", diff)
	}
	// Past the end: empty, total still right.
	list, err = anon.ListPackages(ctx(), &legion.ListOptions{Page: 1000000, Limit: 100})
	if err != nil || len(list.Packages) != 0 || list.Total != n {
		t.Errorf("far page = %+v, %v", list, err)
	}
	// Default limit is 20.
	list, err = anon.ListPackages(ctx(), nil)
	if err != nil || len(list.Packages) != 20 || list.Limit != 20 || list.Page != 1 {
		t.Errorf("defaults = %d packages, page %d limit %d, %v", len(list.Packages), list.Page, list.Limit, err)
	}
}

func TestListSortsAndFilter(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	alice := addUser(t, srv, "alice")
	// b is created first, a second, c last; a is then updated last.
	for _, r := range []legion.PublishRequest{
		{Name: "bravo", Version: "1.0.0", Description: "Second letter"},
		{Name: "alpha", Version: "1.0.0", Keywords: []string{"Greek", "first"}},
		{Name: "charlie", Version: "1.0.0", Description: "an HTTP client"},
		{Name: "alpha", Version: "1.1.0", Keywords: []string{"Greek", "first"}},
	} {
		clock.Advance(time.Minute)
		publish(t, alice, r)
	}
	srv.SetDownloads("bravo", 5)
	srv.SetDownloads("charlie", 9)
	anon := srv.Client()
	for _, tc := range []struct {
		opts legion.ListOptions
		want []string
	}{
		{legion.ListOptions{}, []string{"charlie", "bravo", "alpha"}},
		{legion.ListOptions{Sort: legion.SortDownloads}, []string{"charlie", "bravo", "alpha"}},
		{legion.ListOptions{Sort: legion.SortName}, []string{"alpha", "bravo", "charlie"}},
		{legion.ListOptions{Sort: legion.SortRecent}, []string{"alpha", "charlie", "bravo"}},
		{legion.ListOptions{Sort: legion.SortNewest}, []string{"charlie", "alpha", "bravo"}},
		{legion.ListOptions{Query: "GREEK"}, []string{"alpha"}},    // keyword, any case
		{legion.ListOptions{Query: "http"}, []string{"charlie"}},   // description
		{legion.ListOptions{Query: "rav"}, []string{"bravo"}},      // name
		{legion.ListOptions{Query: "second l"}, []string{"bravo"}}, // one substring
		{legion.ListOptions{Query: "alice"}, nil},                  // not the author
	} {
		list, err := anon.ListPackages(ctx(), &tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, names(list.Packages), cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.opts, diff)
		}
		if list.Total != len(tc.want) {
			t.Errorf("%+v: total %d", tc.opts, list.Total)
		}
		for _, p := range list.Packages {
			if p.Readme != "" || p.Versions != nil || p.Latest == nil || p.Author != "alice" {
				t.Errorf("summary %+v", p)
			}
		}
	}
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	addUser(t, srv, "alice")
	addUser(t, srv, "httpd")
	add := func(name, owner string, downloads int64, desc string, keywords ...string) {
		t.Helper()
		err := srv.AddPackage(legiontest.SeedPackage{Name: name, Owner: owner, Description: desc, Keywords: keywords,
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: downloads})
		if err != nil {
			t.Fatal(err)
		}
	}
	add("http", "alice", 0, "")
	add("http-client", "alice", 1, "")
	add("a-http", "alice", 5, "")
	add("b-http", "alice", 50, "")
	add("c-http", "alice", 5, "")
	add("fetcher", "alice", 1000, "", "HTTP")
	add("getter", "alice", 1000, "", "http2")
	add("webby", "alice", 1000, "speaks Http")
	add("tool", "httpd", 1000, "")
	add("unrelated", "alice", 1000000, "nothing")

	anon := srv.Client()
	res, err := anon.Search(ctx(), "HTTP", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http", "http-client", "b-http", "a-http", "c-http", "fetcher", "getter", "webby", "tool"}
	if diff := cmp.Diff(want, names(res.Results)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	if res.Total != len(want) {
		t.Errorf("total = %d", res.Total)
	}
	for i := 1; i < len(res.Results); i++ {
		if res.Results[i].Score > res.Results[i-1].Score {
			t.Errorf("scores not descending at %d: %v > %v", i, res.Results[i].Score, res.Results[i-1].Score)
		}
	}
	if res.Results[0].Score <= res.Results[1].Score || res.Results[1].Score <= res.Results[2].Score {
		t.Errorf("exact > prefix > substring not strict: %v %v %v", res.Results[0].Score, res.Results[1].Score, res.Results[2].Score)
	}

	// Limit cuts the list, not the total.
	res, err = anon.Search(ctx(), "http", &legion.SearchOptions{Limit: 2})
	if err != nil || len(res.Results) != 2 || res.Total != len(want) {
		t.Errorf("limited search = %v, %v", res, err)
	}
	// Every word must match.
	res, err = anon.Search(ctx(), "http client", nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"http-client"}, names(res.Results)); diff != "" {
		t.Errorf("two words (-want +got):\n%s", diff)
	}
	res, err = anon.Search(ctx(), "zzz", nil)
	if err != nil || len(res.Results) != 0 || res.Total != 0 {
		t.Errorf("no match = %v, %v", res, err)
	}
	// Deterministic.
	a, _ := anon.Search(ctx(), "http", nil)
	b, _ := anon.Search(ctx(), "http", nil)
	if diff := cmp.Diff(a, b, cmpOpts); diff != "" {
		t.Errorf("search is not deterministic:\n%s", diff)
	}
}

func TestStatsConsistent(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	seedMany(t, srv.Registry, 15, func(i int) int64 { return int64(i % 4 * 100) })
	addUser(t, srv, "alice")
	anon := srv.Client()
	for range 3 {
		if _, err := anon.GetPackage(ctx(), "pkg-000"); err != nil {
			t.Fatal(err)
		}
	}
	st, err := anon.Stats(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	var all []legion.Package
	for p, err := range anon.AllPackages(ctx(), &legion.ListOptions{Sort: legion.SortDownloads}) {
		if err != nil {
			t.Fatal(err)
		}
		sum += p.Downloads
		all = append(all, p)
		if p.Downloads != srv.Downloads(p.Name) {
			t.Errorf("%s: listed %d downloads, registry has %d", p.Name, p.Downloads, srv.Downloads(p.Name))
		}
	}
	if st.Packages != int64(len(all)) || st.Downloads != sum || st.Users != 2 {
		t.Errorf("stats = %d packages, %d downloads, %d users; want %d, %d, 2", st.Packages, st.Downloads, st.Users, len(all), sum)
	}
	if diff := cmp.Diff(names(all[:10]), names(st.Popular)); diff != "" {
		t.Errorf("popular (-want +got):\n%s", diff)
	}
	if st.Popular[0].Downloads < st.Popular[9].Downloads {
		t.Errorf("popular not by downloads")
	}
}

func TestUserPackages(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	bob := addUser(t, srv, "bob")
	addUser(t, srv, "carol")
	publish(t, alice, legion.PublishRequest{Name: "zeta", Version: "1.0.0"})
	publish(t, alice, legion.PublishRequest{Name: "alpha", Version: "1.0.0", Readme: "hidden in summaries"})
	publish(t, bob, legion.PublishRequest{Name: "beta", Version: "1.0.0"})
	anon := srv.Client()
	ps, err := anon.ListUserPackages(ctx(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alpha", "zeta"}, names(ps.Packages)); diff != "" {
		t.Errorf("alice's packages (-want +got):\n%s", diff)
	}
	if ps.Packages[0].Readme != "" || ps.Packages[0].Versions != nil {
		t.Errorf("summary carries readme or versions: %+v", ps.Packages[0])
	}
	ps, err = anon.ListUserPackages(ctx(), "carol")
	if err != nil || len(ps.Packages) != 0 {
		t.Errorf("carol's packages = %v, %v", ps, err)
	}
	_, err = anon.ListUserPackages(ctx(), "nobody")
	wantStatus(t, err, 404, "not found")
}

func TestAudit(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, legiontest.WithSeed(legiontest.Seed{
		Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "password1"}},
		Packages: []legiontest.SeedPackage{
			{Name: "legion-http", Owner: "alice", Versions: []legiontest.SeedVersion{
				{Version: "1.0.0"}, {Version: "1.1.0"}, {Version: "1.2.0"}, {Version: "2.0.0"}, {Version: "2.1.0-rc.1"},
			}},
			{Name: "safe", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}},
		},
		Advisories: []legiontest.SeedAdvisory{
			{ID: "LEG-2", Package: "legion-http", Affected: "<1.2.0", Severity: legion.SeverityHigh, Title: "Header injection"},
			{ID: "LEG-1", Package: "legion-http", Affected: ">=1.1.0 <2.0.0", Severity: legion.SeverityLow, Title: "Slow parse", URL: "https://example.com/LEG-1"},
			{Package: "legion-http", Affected: ">=2.1.0-rc.0", Severity: legion.SeverityCritical, Title: "RC bug"},
		},
	}))
	anon := srv.Client()

	rep, err := anon.Audit(ctx(), map[string]string{"legion-http": "^1.0.0", "safe": "*", "ghost": "^1"})
	if err != nil {
		t.Fatal(err)
	}
	want := &legion.AuditReport{
		Advisories: []legion.Advisory{
			{ID: "LEG-1", Package: "legion-http", Range: "^1.0.0", Affected: ">=1.1.0 <2.0.0", Severity: legion.SeverityLow,
				Title: "Slow parse", URL: "https://example.com/LEG-1", Versions: []string{"1.1.0", "1.2.0"}},
			{ID: "LEG-2", Package: "legion-http", Range: "^1.0.0", Affected: "<1.2.0", Severity: legion.SeverityHigh,
				Title: "Header injection", Versions: []string{"1.0.0", "1.1.0"}},
		},
		Problems: []legion.AuditProblem{{Package: "ghost", Range: "^1", Problem: "package not found"}},
		Scanned:  3,
		Clean:    false,
	}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}

	// ^2.0.0 admits 2.0.0 only (not the prerelease): clean.
	rep, err = anon.Audit(ctx(), map[string]string{"legion-http": "^2.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&legion.AuditReport{Advisories: []legion.Advisory{}, Scanned: 1, Clean: true}, rep); diff != "" {
		t.Errorf("clean audit (-want +got):\n%s", diff)
	}
	// Asking for the prerelease finds the generated-id advisory.
	rep, err = anon.Audit(ctx(), map[string]string{"legion-http": ">=2.1.0-rc.1"})
	if err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].ID != "LEGION-0001" || rep.Clean {
		t.Errorf("prerelease audit = %+v, %v", rep, err)
	}
	rep, err = anon.Audit(ctx(), nil)
	if err != nil || !rep.Clean || rep.Scanned != 0 {
		t.Errorf("empty audit = %+v, %v", rep, err)
	}
}

func TestConcurrentPublishSameVersion(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = alice.Publish(ctx(), legion.PublishRequest{Name: "race", Version: "1.0.0", Description: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	var created, conflicts int
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case errors.Is(err, legion.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if created != 1 || conflicts != n-1 {
		t.Errorf("%d created, %d conflicts; want 1 and %d", created, conflicts, n-1)
	}
	statuses := map[int]int{}
	for _, r := range srv.Requests() {
		statuses[r.Status]++
	}
	if diff := cmp.Diff(map[int]int{201: 1, 409: n - 1}, statuses); diff != "" {
		t.Errorf("recorded statuses (-want +got):\n%s", diff)
	}
	if vs := srv.Versions("race"); len(vs) != 1 {
		t.Errorf("versions = %v", vs)
	}
	list, err := srv.Client().ListPackages(ctx(), nil)
	if err != nil || list.Total != 1 {
		t.Errorf("list = %+v, %v", list, err)
	}
}

func TestEscapedNamesThroughSDK(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	alice := addUser(t, srv, "alice")
	publish(t, alice, legion.PublishRequest{Name: "a", Version: "1.0.0"})
	anon := srv.Client()
	for _, name := range []string{"..", ".", "a/b", "a/versions", "a b"[:1] + "%2F"} {
		_, err := anon.GetPackage(ctx(), name)
		wantStatus(t, err, 404, fmt.Sprintf("%q", name))
		_, err = anon.ListVersions(ctx(), name)
		wantStatus(t, err, 404, fmt.Sprintf("%q", name))
	}
	if srv.Downloads("a") != 0 {
		t.Errorf("an escaped name reached package a")
	}
}
