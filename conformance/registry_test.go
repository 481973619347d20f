package conformance

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

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
