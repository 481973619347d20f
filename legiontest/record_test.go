package legiontest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// TestRecordedRequestDetails checks the header (credential redacted), the
// registry-clock time, the request id a *legion.Error reports, and the
// duration of each recorded request, and the RequestsTo filter.
func TestRecordedRequestDetails(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client(legion.WithToken(tok))
	clock.Advance(time.Minute)
	if _, err := c.Me(ctx()); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetPackage(ctx(), "missing")
	var le *legion.Error
	if !errors.As(err, &le) || le.RequestID == "" {
		t.Fatalf("GetPackage: %v", err)
	}
	publish(t, c, legion.PublishRequest{Name: "lib", Version: "1.0.0"})
	if _, err := c.ListVersions(ctx(), "lib"); err != nil {
		t.Fatal(err)
	}

	all := srv.Requests()
	if len(all) != 4 {
		t.Fatalf("%d requests recorded", len(all))
	}
	for _, q := range all {
		if got := q.Header.Get("Authorization"); got != "Bearer [redacted]" {
			t.Errorf("%s %s: Authorization %q", q.Method, q.Path, got)
		}
		if strings.Contains(strings.Join(q.Header.Values("Authorization"), ""), tok) || q.Header.Get("User-Agent") == "" {
			t.Errorf("%s %s: header %v", q.Method, q.Path, q.Header)
		}
		if !q.Time.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s %s: Time %v, want the registry clock's %v", q.Method, q.Path, q.Time, t0.Add(time.Minute))
		}
		if q.Duration <= 0 || q.Duration > time.Minute {
			t.Errorf("%s %s: Duration %v", q.Method, q.Path, q.Duration)
		}
	}
	miss := srv.RequestsTo("GET", "/packages/*")
	if len(miss) != 1 || miss[0].Path != "/packages/missing" || miss[0].RequestID != le.RequestID || miss[0].Status != 404 {
		t.Errorf("RequestsTo(GET, /packages/*) = %+v, want the 404 with request id %s", miss, le.RequestID)
	}
	if got := srv.RequestsTo("get", "/packages/**"); len(got) != 2 {
		t.Errorf("RequestsTo(get, /packages/**): %d requests", len(got))
	}
	if got := srv.RequestsTo("POST", "/packages/publish"); len(got) != 1 || got[0].Status != 201 {
		t.Errorf("RequestsTo(POST, /packages/publish) = %+v", got)
	}
	if got := srv.RequestsTo("", "/**"); len(got) != 4 {
		t.Errorf("RequestsTo(\"\", /**): %d requests", len(got))
	}
	func() {
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(string), "/pkgs/*") {
				t.Errorf("RequestsTo with /pkgs/*: panic %v", p)
			}
		}()
		srv.RequestsTo("GET", "/pkgs/*")
	}()
}

// TestRecordHasAbandonedRequest checks that a request whose client gave up
// during a fault's latency is in the record when the client's call returns:
// no polling needed.
func TestRecordHasAbandonedRequest(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.AddFault(legiontest.Fault{Path: "/stats", Latency: time.Minute})
	for i := range 5 {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := srv.Client().Stats(cctx)
		cancel()
		if err == nil {
			t.Fatal("Stats answered through a minute of latency")
		}
		if got := srv.RequestsTo("GET", "/stats"); len(got) != i+1 {
			t.Fatalf("call %d returned; %d requests to /stats recorded", i+1, len(got))
		}
	}
}

// TestShortIDRevokes checks that ShortID names the token as RevokeToken
// and the listing do.
func TestShortIDRevokes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client(legion.WithToken(tok))
	ci, err := srv.AddToken("alice", "ci", legion.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := c.ListTokens(ctx())
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, tk := range toks {
		listed = listed || tk.ID == legiontest.ShortID(ci)
	}
	if !listed {
		t.Fatalf("ShortID %q not among %+v", legiontest.ShortID(ci), toks)
	}
	if err := c.RevokeToken(ctx(), legiontest.ShortID(ci)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client(legion.WithToken(ci)).Me(ctx()); !errors.Is(err, legion.ErrUnauthorized) {
		t.Errorf("revoked token: %v", err)
	}
	if legiontest.ShortID("short") != "" {
		t.Errorf("ShortID of a 5-character string")
	}
}

// TestAddPackageCreatesOwner checks that seeding a package for an unknown
// owner creates the owner, and creates nothing when the package is bad.
func TestAddPackageCreatesOwner(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	if err := srv.AddPackage(legiontest.SeedPackage{Name: "lib", Owner: "bob", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}}); err != nil {
		t.Fatal(err)
	}
	u, err := srv.Client().GetUser(ctx(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := srv.Client().GetPackage(ctx(), "lib"); err != nil || p.Author != "bob" || u.Username != "bob" {
		t.Errorf("lib: %+v, %v", p, err)
	}
	if _, err := srv.AddToken("bob", "ci", legion.ScopeRead); err != nil {
		t.Errorf("bob cannot get a token: %v", err)
	}
	err = srv.AddPackage(legiontest.SeedPackage{Name: "bad", Owner: "carol"})
	if err == nil {
		t.Fatal("a package without versions was added")
	}
	if _, err := srv.Client().GetUser(ctx(), "carol"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("a failed AddPackage left its owner: %v", err)
	}
	if err := srv.AddPackage(legiontest.SeedPackage{Name: "x", Owner: "no spaces allowed", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}}); err == nil || !strings.Contains(err.Error(), "owner") {
		t.Errorf("invalid owner name: %v", err)
	}
}
