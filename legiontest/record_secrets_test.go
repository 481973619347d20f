package legiontest_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// roundTripFunc answers in process: no network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Record is pointed at live registries, whose tokens need not be the
// fake's "lgn_" and 32 letters, and at bots that may spell a field
// "Password": no fixture file holds a token of any shape or a password
// under a key in any case, and the fixtures still replay.
func TestRecordRedactsEveryTokenShapeAndPasswordKey(t *testing.T) {
	t.Parallel()
	const (
		liveToken = "lgn_live-Tok.en_With+Sym/bols=0123456789abcdefABCDEF0123456789xyz"
		password  = "hunter2xx-secret"
	)
	live := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		body := `{"success":true,"token":"` + liveToken + `","user":{"username":"alice","email":"a@example.com","createdAt":"2026-01-02T03:04:05Z"}}`
		h := http.Header{"Content-Type": {"application/json"}, "X-Echo": {"token=" + liveToken + "; pw"}}
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	dir := t.TempDir()
	rt, err := legiontest.Record(dir, live)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: rt}
	for _, body := range []string{
		`{"username":"alice","password":"` + password + `"}`, // as the SDK sends it
		`{"username":"alice","Password":"` + password + `"}`,
		`{"username":"alice","PASSWORD":"` + password + `"}`,
		`{"username":"alice","pass\u0077ord":"` + password + `"}`,
	} {
		resp, err := hc.Post("http://registry.test/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := hc.Get("http://registry.test/api/v1/tokens/" + strings.ReplaceAll(liveToken, "/", "%2F") + "?t=" + liveToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 5 {
		t.Fatalf("fixture files: %v", files)
	}
	for _, name := range files {
		data, _ := os.ReadFile(name)
		for _, secret := range []string{password, "Tok.en", "bols=", "0123456789xyz"} {
			if strings.Contains(string(data), secret) {
				t.Errorf("%s holds %q:\n%s", filepath.Base(name), secret, data)
			}
		}
	}

	// The redacted fixtures replay: the SDK reads the recorded session.
	replay := legiontest.NewReplayServer(t, dir)
	c := replay.Client()
	s, err := c.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret(password)})
	if err != nil {
		t.Fatalf("replayed login: %v", err)
	}
	if s.Token.Reveal() != legiontest.PlaceholderToken {
		t.Errorf("replayed token = %q, want the placeholder", s.Token.Reveal())
	}
}

// The fake's own request record holds no credential from any header: a
// test whose client goes through an authenticating proxy, or carries a
// cookie jar, does not get them into Requests or GET /_admin/requests.
func TestRequestRecordRedactsCredentialHeaders(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	do(t, srv, "GET", "/stats", "", "Proxy-Authorization", "Basic aHVudGVyMnh4LXNlY3JldA==", "Cookie", "session=hunter2xx-secret")
	rs := srv.Requests()
	if len(rs) != 1 {
		t.Fatalf("%d requests recorded", len(rs))
	}
	h := rs[0].Header
	if got := h.Get("Proxy-Authorization") + h.Get("Cookie"); strings.Contains(got, "aHVudGVy") || strings.Contains(got, "hunter2xx") {
		t.Errorf("recorded credentials: %v", h)
	}
}
