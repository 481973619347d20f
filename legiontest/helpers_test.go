package legiontest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// t0 is the start of every manual clock in these tests.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// cmpOpts compare semver values by what they print.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b *semver.Version) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.Original() == b.Original()
	}),
}

func ctx() context.Context { return context.Background() }

func mustV(s string) *semver.Version { return semver.MustParse(s) }

// newServer starts a server on a manual clock with a token seed.
func newServer(t *testing.T, opts ...legiontest.Option) (*legiontest.Server, *legiontest.ManualClock) {
	t.Helper()
	clock := legiontest.NewManualClock(t0)
	srv := legiontest.NewServer(t, append([]legiontest.Option{legiontest.WithClock(clock), legiontest.WithTokenSeed(1)}, opts...)...)
	return srv, clock
}

// addUser adds an account and returns a client acting as it.
func addUser(t *testing.T, srv *legiontest.Server, name string) *legion.Client {
	t.Helper()
	tok, err := srv.AddUser(name, name+"@example.com", "password-"+name)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Client(legion.WithToken(tok))
}

func publish(t *testing.T, c *legion.Client, req legion.PublishRequest) *legion.PackageVersion {
	t.Helper()
	pv, err := c.Publish(ctx(), req)
	if err != nil {
		t.Fatalf("Publish %s@%s: %v", req.Name, req.Version, err)
	}
	return pv
}

// wantStatus checks that err is a *legion.Error with the status and, when
// msg is not empty, a message containing it.
func wantStatus(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var e *legion.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *legion.Error with status %d", err, status)
	}
	if e.StatusCode != status {
		t.Fatalf("status = %d (%v), want %d", e.StatusCode, err, status)
	}
	if msg != "" && !strings.Contains(e.Message, msg) {
		t.Fatalf("message %q does not contain %q", e.Message, msg)
	}
}

// rawResp is a raw HTTP answer.
type rawResp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// do sends a raw request below srv.URL; body "" sends none. Headers are
// pairs of name, value.
func do(t *testing.T, srv *legiontest.Server, method, path, body string, headers ...string) rawResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := rawResp{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&r.Body); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v: %q", method, path, err, raw)
	}
	if _, ok := r.Body["success"].(bool); !ok {
		t.Fatalf("%s %s: body has no boolean success: %s", method, path, raw)
	}
	return r
}

// want checks a raw answer's status and, for errors, that success is false
// and the message contains msg.
func (r rawResp) want(t *testing.T, status int, msg string) rawResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Raw)
	}
	success := r.Body["success"].(bool)
	if success != (status < 400) {
		t.Fatalf("success = %v with status %d: %s", success, status, r.Raw)
	}
	if status >= 400 {
		e, _ := r.Body["error"].(string)
		if e == "" || !strings.Contains(e, msg) {
			t.Fatalf("error %q does not contain %q", e, msg)
		}
	}
	return r
}

func names(ps []legion.Package) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}
