package legiontest_test

import (
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

const fixedToken = "lgn_FixedTokenForFixtures0123456789X"

// fixture is a seed as a -seed file would hold it.
const fixture = `{
  "users": [
    {"username": "alice", "email": "alice@example.com", "password": "alice-password",
     "createdAt": "2024-01-01T00:00:00Z",
     "tokens": [{"name": "ci", "value": "lgn_FixedTokenForFixtures0123456789X", "scopes": ["read"]}]},
    {"username": "bob", "email": "bob@example.com", "password": "bob-password"}
  ],
  "packages": [
    {"name": "legion-http", "owner": "alice", "description": "HTTP for Legion", "license": "MIT",
     "keywords": ["http", "client"], "readme": "# legion-http", "downloads": 42,
     "versions": [
       {"version": "1.0.0", "publishedAt": "2024-02-01T00:00:00Z"},
       {"version": "1.1.0", "publishedAt": "2024-03-01T00:00:00Z", "dependencies": {"legion-core": "^2.0.0"}, "readme": "# 1.1"}
     ]},
    {"name": "legion-core", "owner": "bob", "versions": [{"version": "2.0.0"}]}
  ],
  "advisories": [
    {"id": "LEG-1", "package": "legion-http", "affected": "<1.1.0", "severity": "high", "title": "Bad"}
  ]
}`

func TestSeedFromJSON(t *testing.T) {
	t.Parallel()
	var seed legiontest.Seed
	if err := json.Unmarshal([]byte(fixture), &seed); err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, legiontest.WithSeed(seed))

	ci := srv.Client(legion.WithToken(fixedToken))
	me, err := ci.Me(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&legion.User{Username: "alice", Email: "alice@example.com", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, me); diff != "" {
		t.Errorf("Me (-want +got):\n%s", diff)
	}
	// The fixture's ci token is read-only.
	if _, err := ci.Publish(ctx(), legion.PublishRequest{Name: "x", Version: "1.0.0"}); !errors.Is(err, legion.ErrForbidden) {
		t.Errorf("read-only seeded token published: %v", err)
	}
	// Passwords work for login.
	if _, err := srv.Client().Login(ctx(), legion.LoginRequest{Username: "bob", Password: legion.NewSecret("bob-password")}); err != nil {
		t.Errorf("login as seeded bob: %v", err)
	}

	p, ok := srv.Package("legion-http")
	if !ok {
		t.Fatal("legion-http missing")
	}
	feb, mar := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	want := legion.Package{
		Name: "legion-http", Description: "HTTP for Legion", Author: "alice", License: "MIT",
		Keywords: []string{"http", "client"}, Readme: "# 1.1", Latest: mustV("1.1.0"),
		Versions:     []legion.PackageVersion{{Version: mustV("1.0.0"), PublishedAt: feb}, {Version: mustV("1.1.0"), PublishedAt: mar}},
		Dependencies: map[string]string{"legion-core": "^2.0.0"},
		Downloads:    42, CreatedAt: feb, UpdatedAt: mar,
	}
	if diff := cmp.Diff(want, p, cmpOpts); diff != "" {
		t.Errorf("Package (-want +got):\n%s", diff)
	}
	vs := srv.Versions("legion-http")
	if len(vs) != 2 || vs[0].Readme != "# legion-http" || vs[1].Readme != "# 1.1" || vs[0].Dependencies == nil || len(vs[0].Dependencies) != 0 {
		t.Errorf("Versions = %+v", vs)
	}
	// Unset times come from the clock.
	if p, _ := srv.Package("legion-core"); !p.CreatedAt.Equal(t0) {
		t.Errorf("legion-core created %v, want the clock's %v", p.CreatedAt, t0)
	}
	rep, err := ci.Audit(ctx(), map[string]string{"legion-http": "^1.0.0"})
	if err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].ID != "LEG-1" {
		t.Errorf("audit = %+v, %v", rep, err)
	}
}

func TestInvalidSeeds(t *testing.T) {
	t.Parallel()
	alice := legiontest.SeedUser{Username: "alice", Email: "alice@example.com", Password: "alice-password"}
	pkg := func(name, owner string, versions ...string) legiontest.SeedPackage {
		p := legiontest.SeedPackage{Name: name, Owner: owner}
		for _, v := range versions {
			p.Versions = append(p.Versions, legiontest.SeedVersion{Version: v})
		}
		return p
	}
	good := pkg("lib", "alice", "1.0.0")
	for _, tc := range []struct {
		name string
		seed legiontest.Seed
		msg  string
	}{
		{"bad username", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "Al", Email: "a@example.com", Password: "12345678"}}}, "username"},
		{"bad email", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "alice", Email: "alice", Password: "12345678"}}}, "email"},
		{"short password", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "1234567"}}}, "password"},
		{"duplicate user", legiontest.Seed{Users: []legiontest.SeedUser{alice, alice}}, "already taken"},
		{"bad token value", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "12345678",
			Tokens: []legiontest.SeedToken{{Name: "x", Value: "lgn_short"}}}}}, "lgn_"},
		{"duplicate token", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "12345678",
			Tokens: []legiontest.SeedToken{{Name: "x", Value: fixedToken}, {Name: "y", Value: fixedToken}}}}}, "clashes"},
		{"bad scope", legiontest.Seed{Users: []legiontest.SeedUser{{Username: "alice", Email: "a@example.com", Password: "12345678",
			Tokens: []legiontest.SeedToken{{Name: "x", Scopes: []legion.Scope{"admin"}}}}}}, "admin"},
		{"bad package name", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{pkg("Lib", "alice", "1.0.0")}}, "name"},
		{"bad semver", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{pkg("lib", "alice", "1.0")}}, "version"},
		{"no versions", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{pkg("lib", "alice")}}, "no versions"},
		{"duplicate version", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{pkg("lib", "alice", "1.0.0", "1.0.0")}}, "already published"},
		{"unknown owner", legiontest.Seed{Packages: []legiontest.SeedPackage{good}}, "unknown owner"},
		{"duplicate package", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{good, good}}, "already exists"},
		{"bad dependency", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{{Name: "lib", Owner: "alice",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"x": ">=>1"}}}}}}, "invalid range"},
		{"negative downloads", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{{Name: "lib", Owner: "alice",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: -1}}}, "negative"},
		{"advisory unknown package", legiontest.Seed{Advisories: []legiontest.SeedAdvisory{{Package: "ghost", Affected: "*", Severity: "low", Title: "x"}}}, "unknown package"},
		{"advisory bad range", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{good},
			Advisories: []legiontest.SeedAdvisory{{Package: "lib", Affected: "nope", Severity: "low", Title: "x"}}}, "affected"},
		{"advisory bad severity", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{good},
			Advisories: []legiontest.SeedAdvisory{{Package: "lib", Affected: "*", Severity: "urgent", Title: "x"}}}, "severity"},
		{"advisory no title", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{good},
			Advisories: []legiontest.SeedAdvisory{{Package: "lib", Affected: "*", Severity: "low"}}}, "title"},
		{"duplicate advisory", legiontest.Seed{Users: []legiontest.SeedUser{alice}, Packages: []legiontest.SeedPackage{good},
			Advisories: []legiontest.SeedAdvisory{{ID: "A", Package: "lib", Affected: "*", Severity: "low", Title: "x"}, {ID: "A", Package: "lib", Affected: "*", Severity: "low", Title: "y"}}}, "duplicate"},
	} {
		_, err := legiontest.NewRegistry(legiontest.WithSeed(tc.seed))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.msg)
		}
	}
}

func TestSeedIsAllOrNothing(t *testing.T) {
	t.Parallel()
	r, err := legiontest.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	err = r.Seed(legiontest.Seed{
		Users:    []legiontest.SeedUser{{Username: "alice", Email: "alice@example.com", Password: "alice-password"}},
		Packages: []legiontest.SeedPackage{{Name: "lib", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}, {Version: "bad"}}}},
	})
	if err == nil {
		t.Fatal("bad seed accepted")
	}
	if _, err := r.AddUser("alice", "alice@example.com", "alice-password"); err != nil {
		t.Errorf("alice survived a failed seed: %v", err)
	}
	if _, ok := r.Package("lib"); ok {
		t.Errorf("lib survived a failed seed")
	}
	// A failed AddPackage leaves nothing behind either.
	if err := r.AddPackage(legiontest.SeedPackage{Name: "lib", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}, {Version: "x"}}}); err == nil {
		t.Fatal("bad package accepted")
	}
	if _, ok := r.Package("lib"); ok {
		t.Errorf("half a package was stored")
	}
}

func TestAddHelpers(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil || !tokenRe.MatchString(tok) {
		t.Fatalf("AddUser = %q, %v", tok, err)
	}
	if _, err := srv.AddUser("alice", "other@example.com", "alice-password"); err == nil {
		t.Errorf("duplicate AddUser accepted")
	}
	if _, err := srv.AddUser("bob", "ALICE@example.com", "bob-password"); err == nil {
		t.Errorf("duplicate email accepted")
	}
	ro, err := srv.AddToken("alice", "ro", legion.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := srv.Client(legion.WithToken(ro)).ListTokens(ctx())
	if err != nil || len(ts) != 2 || ts[0].Name != "default" || ts[1].Name != "ro" || len(ts[1].Scopes) != 1 {
		t.Errorf("tokens = %+v, %v", ts, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := srv.AddToken("nobody", "x", legion.ScopeRead); return err },
		func() error { _, err := srv.AddToken("alice", "", legion.ScopeRead); return err },
		func() error { _, err := srv.AddToken("alice", "x"); return err },
		func() error { _, err := srv.AddToken("alice", "x", "root"); return err },
		func() error { return srv.SetDownloads("nothing", 1) },
		func() error {
			return srv.AddAdvisory(legiontest.SeedAdvisory{Package: "nothing", Affected: "*", Severity: "low", Title: "x"})
		},
	} {
		if bad() == nil {
			t.Errorf("invalid call accepted")
		}
	}
	if err := srv.AddPackage(legiontest.SeedPackage{Name: "lib", Owner: "alice", Keywords: []string{"a"},
		Versions: []legiontest.SeedVersion{{Version: "1.0.0", Dependencies: map[string]string{"x": "*"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetDownloads("lib", -1); err == nil {
		t.Errorf("negative downloads accepted")
	}
	if err := srv.AddAdvisory(legiontest.SeedAdvisory{Package: "lib", Affected: "<2", Severity: legion.SeverityModerate, Title: "t"}); err != nil {
		t.Fatal(err)
	}

	// Inspection returns copies.
	p, _ := srv.Package("lib")
	p.Keywords[0] = "changed"
	p.Dependencies["x"] = "changed"
	*p.Latest = *mustV("9.9.9")
	vs := srv.Versions("lib")
	vs[0].Dependencies["x"] = "changed"
	*vs[0].Version = *mustV("9.9.9")
	p2, _ := srv.Package("lib")
	if p2.Keywords[0] != "a" || p2.Dependencies["x"] != "*" || p2.Latest.Original() != "1.0.0" || srv.Versions("lib")[0].Version.Original() != "1.0.0" {
		t.Errorf("inspection exposed internal state: %+v", p2)
	}
	if _, ok := srv.Package("nothing"); ok || srv.Versions("nothing") != nil || srv.Downloads("nothing") != 0 {
		t.Errorf("unknown package inspected as present")
	}
}

func TestTokenSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	tokens := func(seed uint64) []string {
		r, err := legiontest.NewRegistry(legiontest.WithTokenSeed(seed), legiontest.WithClock(legiontest.NewManualClock(t0)))
		if err != nil {
			t.Fatal(err)
		}
		a, err := r.AddUser("alice", "alice@example.com", "alice-password")
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.AddToken("alice", "second", legion.ScopeRead)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := r.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		return []string{a, b, string(snap)}
	}
	x, y, z := tokens(7), tokens(7), tokens(8)
	if diff := cmp.Diff(x, y); diff != "" {
		t.Errorf("same seed, different tokens or state:\n%s", diff)
	}
	if x[0] == z[0] || x[1] == z[1] {
		t.Errorf("different seeds gave the same tokens")
	}
	if x[0] == x[1] {
		t.Errorf("two tokens alike")
	}
	// Unseeded registries differ.
	r1, _ := legiontest.NewRegistry()
	r2, _ := legiontest.NewRegistry()
	a, _ := r1.AddUser("alice", "alice@example.com", "alice-password")
	b, _ := r2.AddUser("alice", "alice@example.com", "alice-password")
	if a == b || !tokenRe.MatchString(a) {
		t.Errorf("crypto tokens %q and %q", a, b)
	}
}

func TestSnapshotRestore(t *testing.T) {
	t.Parallel()
	var seed legiontest.Seed
	if err := json.Unmarshal([]byte(fixture), &seed); err != nil {
		t.Fatal(err)
	}
	srv, clock := newServer(t, legiontest.WithSeed(seed))
	alice := srv.Client(legion.WithToken(fixedToken))
	if _, err := srv.Client().GetPackage(ctx(), "legion-http"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	bob, err := srv.Client().Login(ctx(), legion.LoginRequest{Username: "bob", Password: legion.NewSecret("bob-password")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Me(ctx()); err != nil {
		t.Fatal(err)
	}
	// An advisory whose package is then unpublished stays in the state.
	if err := srv.AddAdvisory(legiontest.SeedAdvisory{Package: "legion-core", Affected: "*", Severity: "low", Title: "gone"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Client(legion.WithToken(bob.Token.Reveal())).Unpublish(ctx(), "legion-core"); err != nil {
		t.Fatal(err)
	}

	snap, err := srv.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{fixedToken, fixedToken[4:], bob.Token.Reveal()[4:], "alice-password", "bob-password"} {
		if strings.Contains(string(snap), secret) {
			t.Errorf("snapshot holds a clear-text secret %q", secret)
		}
	}

	other, _ := newServer(t)
	if err := other.Restore(snap); err != nil {
		t.Fatal(err)
	}
	again, err := other.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(snap), string(again)); diff != "" {
		t.Errorf("snapshot of the restored registry differs:\n%s", diff)
	}
	// Tokens and passwords still work; packages and downloads are back.
	if me, err := other.Client(legion.WithToken(bob.Token.Reveal())).Me(ctx()); err != nil || me.Username != "bob" {
		t.Errorf("restored token: %v, %v", me, err)
	}
	if _, err := other.Client().Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("alice-password")}); err != nil {
		t.Errorf("restored password: %v", err)
	}
	p1, _ := srv.Package("legion-http")
	p2, _ := other.Package("legion-http")
	if diff := cmp.Diff(p1, p2, cmpOpts); diff != "" || p2.Downloads != 43 {
		t.Errorf("restored package (-orig +restored):\n%s", diff)
	}
	ts, err := other.Client(legion.WithToken(fixedToken)).ListTokens(ctx())
	if err != nil || len(ts) != 2 || ts[0].Name != "ci" || ts[1].Name != "login" {
		t.Errorf("restored tokens = %+v, %v", ts, err)
	}

	// Bad snapshots change nothing.
	before, _ := other.Snapshot()
	for _, bad := range []string{
		``, `[]`, `{"format":2}`, `{"format":1,"extra":true}`,
		strings.Replace(string(snap), `"owner": "alice"`, `"owner": "nobody"`, 1),
		strings.Replace(string(snap), `"version": "1.0.0"`, `"version": "1.0"`, 1),
		strings.Replace(string(snap), `"iterations": 10000`, `"iterations": 0`, 1),
		strings.Replace(string(snap), `"algorithm": "sha256-iterated"`, `"algorithm": "md5"`, 1),
	} {
		if err := other.Restore([]byte(bad)); err == nil {
			t.Errorf("Restore(%.60q) accepted", bad)
		}
	}
	after, _ := other.Snapshot()
	if string(before) != string(after) {
		t.Errorf("a failed Restore changed the state")
	}
}

// fatalTB records Fatalf and stops the goroutine as testing does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = format
	f.mu.Unlock()
	runtime.Goexit()
}

func TestNewServerFailsTheTestOnBadOptions(t *testing.T) {
	t.Parallel()
	for _, opt := range []legiontest.Option{
		legiontest.WithMaxBodyBytes(0),
		legiontest.WithClock(nil),
		legiontest.WithRateLimit(-1, time.Second, legiontest.ByToken),
		legiontest.WithRateLimit(1, 0, legiontest.ByToken),
		legiontest.WithRateLimit(1, time.Second, legiontest.LimitKey(9)),
		legiontest.WithSeed(legiontest.Seed{Packages: []legiontest.SeedPackage{{Name: "x"}}}),
	} {
		ft := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			legiontest.NewServer(ft, opt)
		}()
		<-done
		if ft.msg == "" {
			t.Errorf("NewServer did not fail the test")
		}
	}
	// nil options are skipped.
	if _, err := legiontest.NewRegistry(nil); err != nil {
		t.Error(err)
	}
}

func TestManyServersInParallel(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := legiontest.NewServer(t)
			defer srv.Close()
			c := srv.Client()
			s, err := c.Signup(ctx(), legion.SignupRequest{Username: "user", Email: "u@example.com", Password: legion.NewSecret("password")})
			if err != nil {
				t.Error(err)
				return
			}
			pc := srv.Client(legion.WithToken(s.Token.Reveal()))
			if _, err := pc.Publish(ctx(), legion.PublishRequest{Name: "same-name", Version: "1.0.0", Description: string(rune('a' + i))}); err != nil {
				t.Error(err)
			}
			if st, err := c.Stats(ctx()); err != nil || st.Packages != 1 || st.Users != 1 {
				t.Errorf("stats %+v, %v: registries share state", st, err)
			}
		}()
	}
	wg.Wait()
}
