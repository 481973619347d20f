// Package conformance is a test-only suite that checks a Legion registry
// against the reference (/work/shared/legion-api.md, Part 1 and Part 2)
// through the public SDK: every endpoint and every documented status.
//
// By default it runs against the fake (legiontest). With LEGION_LIVE_URL set
// (the base URL, ending in /api/v1) it runs unchanged against that registry,
// acting as the user of LEGION_LIVE_TOKEN (or, without one, as a freshly
// signed-up user); checks that need the fake's powers (seeding an
// advisory, forcing a 429) are skipped there with a message. Every run uses
// names of its own (lgc + a random suffix) and unpublishes what it
// published and revokes the tokens it created.
//
//	LEGION_LIVE_URL=https://…/api/v1 LEGION_LIVE_TOKEN=lgn_… go test -count=1 -v ./conformance
package conformance

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// env is the registry under test and the identities the suite acts as.
type env struct {
	baseURL string
	fake    *legiontest.Registry // nil against a live registry
	closeFn func()

	run string // this run's random suffix

	owner     string // the main identity's username
	ownerTok  string
	other     string // a second account, for ownership checks
	otherTok  string
	otherPass string
}

var e *env

func TestMain(m *testing.M) {
	var err error
	e, err = setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance: setup:", err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 && !testing.Short() {
		if left := e.leftovers(); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "conformance: packages left behind: %v\n", left)
			code = 1
		}
	}
	e.closeFn()
	os.Exit(code)
}

// leftovers lists the packages of this run that are still published: the
// suite must leave a shared registry as it found it.
func (ev *env) leftovers() []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := legion.NewClient(legion.WithBaseURL(ev.baseURL))
	if err != nil {
		return []string{err.Error()}
	}
	var left []string
	for p, err := range c.AllPackages(ctx, &legion.ListOptions{Query: "lgc-" + ev.run, Sort: legion.SortName}) {
		if err != nil {
			return append(left, err.Error())
		}
		left = append(left, p.Name)
	}
	return left
}

func setup() (*env, error) {
	ev := &env{run: randomString(6), closeFn: func() {}}
	var err error
	if transport, err = recordingTransport(transport); err != nil {
		return nil, err
	}
	if live := os.Getenv("LEGION_LIVE_URL"); live != "" {
		ev.baseURL = strings.TrimRight(live, "/")
		fmt.Fprintf(os.Stderr, "conformance: against the live registry %s (run %s)\n", ev.baseURL, ev.run)
	} else {
		reg, err := legiontest.NewRegistry()
		if err != nil {
			return nil, err
		}
		srv := httptest.NewServer(reg)
		ev.fake, ev.baseURL, ev.closeFn = reg, srv.URL+legiontest.BasePath, srv.Close
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	anon, err := legion.NewClient(legion.WithBaseURL(ev.baseURL), legion.WithUserAgent("legion-conformance"),
		legion.WithHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
	if err != nil {
		return nil, err
	}
	signup := func(tag string) (name, token, password string, err error) {
		name, password = "lgc-"+ev.run+"-"+tag, "pw-"+randomString(16)
		s, err := anon.Signup(ctx, legion.SignupRequest{Username: name, Email: name + "@example.com", Password: legion.NewSecret(password)})
		if err != nil {
			return "", "", "", fmt.Errorf("signing up %s: %w", name, err)
		}
		return name, s.Token.Reveal(), password, nil
	}
	if tok := os.Getenv("LEGION_LIVE_TOKEN"); tok != "" && ev.fake == nil {
		c, err := anon.With(legion.WithToken(tok))
		if err != nil {
			return nil, fmt.Errorf("LEGION_LIVE_TOKEN: %w", err)
		}
		me, err := c.Me(ctx)
		if err != nil {
			return nil, fmt.Errorf("LEGION_LIVE_TOKEN: %w", err)
		}
		ev.owner, ev.ownerTok = me.Username, tok
	} else if ev.owner, ev.ownerTok, _, err = signup("owner"); err != nil {
		return nil, err
	}
	if ev.other, ev.otherTok, ev.otherPass, err = signup("other"); err != nil {
		return nil, err
	}
	return ev, nil
}

func (ev *env) live() bool { return ev.fake == nil }

// fakeOnly skips the (sub)test against a live registry.
func fakeOnly(t *testing.T, why string) {
	t.Helper()
	if e.live() {
		t.Skipf("live registry: %s needs the fake's powers", why)
	}
}

var testSeq atomic.Int64

// namer returns a function naming packages and users for one test: unique
// to this run and to this execution of the test (go test -count=N runs a
// test N times in one process), under the run's prefix "lgc-<run>".
func namer() func(tag string) string {
	prefix := fmt.Sprintf("lgc-%s%d-", e.run, testSeq.Add(1))
	return func(tag string) string { return prefix + tag }
}

func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// bogusToken is well-formed and valid nowhere.
func bogusToken() string {
	s := randomString(32)
	return "lgn_" + strings.ToUpper(s[:16]) + s[16:]
}

// recorder remembers the status of the last response its client received,
// so checks can tell 200 from 201 through the SDK.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	last int
	n    int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if err == nil {
		r.last = resp.StatusCode
	}
	return resp, err
}

func (r *recorder) status() (last, requests int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.n
}

// transport is the suite's one way to the registry; it records every
// answer under LEGION_LIVE_RECORD (see record_test.go).
var transport http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()

// client is an SDK client for the registry under test with token ("" for
// none), and the recorder of its answers.
func client(t *testing.T, token string, opts ...legion.Option) (*legion.Client, *recorder) {
	t.Helper()
	rec := &recorder{base: transport}
	all := []legion.Option{
		legion.WithBaseURL(e.baseURL),
		legion.WithHTTPClient(&http.Client{Transport: rec, Timeout: 30 * time.Second}),
		legion.WithUserAgent("legion-conformance"),
	}
	if token != "" {
		all = append(all, legion.WithToken(token))
	}
	c, err := legion.NewClient(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

func owner(t *testing.T) (*legion.Client, *recorder) { return client(t, e.ownerTok) }
func other(t *testing.T) (*legion.Client, *recorder) { return client(t, e.otherTok) }

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ok fails unless err is nil and the last answer's status is one of want.
func ok(t *testing.T, what string, err error, rec *recorder, want ...int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	last, _ := rec.status()
	for _, w := range want {
		if last == w {
			return
		}
	}
	t.Fatalf("%s: status %d, want %v", what, last, want)
}

// created is the status of an answer that made something: the reference
// does not say 200 or 201.
var created = []int{http.StatusOK, http.StatusCreated}

// status fails unless err is the registry's answer with status code,
// matching sentinel.
func status(t *testing.T, what string, err error, code int, sentinel error) {
	t.Helper()
	var le *legion.Error
	if !errors.As(err, &le) {
		t.Fatalf("%s: %v, want a %d answer", what, err, code)
	}
	if le.StatusCode != code || !errors.Is(err, sentinel) {
		t.Fatalf("%s: status %d (%v), want %d", what, le.StatusCode, err, code)
	}
	if le.Message == "" {
		t.Errorf("%s: the %d answer carries no error message", what, code)
	}
}

// publish publishes req as c and unpublishes the package when t ends
// (whatever the test did to it meanwhile): in a subtest, publish a new
// version of the parent's package with c.Publish, not this.
func publish(t *testing.T, c *legion.Client, rec *recorder, req legion.PublishRequest) *legion.PackageVersion {
	t.Helper()
	pv, err := c.Publish(ctxFor(t), req)
	ok(t, "publish "+req.Name+"@"+req.Version, err, rec, created...)
	cleanupPackage(t, c, req.Name)
	return pv
}

// cleaned holds (test, package) pairs whose cleanup is registered.
var cleaned sync.Map

func cleanupPackage(t *testing.T, c *legion.Client, pkg string) {
	key := fmt.Sprintf("%p\x00%s", t, pkg)
	if _, dup := cleaned.LoadOrStore(key, true); dup {
		return
	}
	t.Cleanup(func() {
		defer cleaned.Delete(key)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Unpublish(ctx, pkg); err != nil && !errors.Is(err, legion.ErrNotFound) {
			t.Errorf("cleanup: unpublish %s: %v", pkg, err)
		}
	})
}

// createToken creates a token as c and revokes it when the test ends.
func createToken(t *testing.T, c *legion.Client, rec *recorder, req legion.CreateTokenRequest) *legion.CreatedToken {
	t.Helper()
	tok, err := c.CreateToken(ctxFor(t), req)
	ok(t, "create token "+req.Name, err, rec, created...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.RevokeToken(ctx, tok.ID); err != nil && !errors.Is(err, legion.ErrNotFound) {
			t.Errorf("cleanup: revoke token %s: %v", tok.ID, err)
		}
	})
	return tok
}
