package legiontest_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// isoMillis is what Date.prototype.toISOString writes.
var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// TestWireTimestampsAsJavaScript checks every timestamp of every answer
// that carries one: three fractional digits, even when they are zeros, and
// null for a token never used.
func TestWireTimestampsAsJavaScript(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	clock.Advance(850 * time.Millisecond) // "….850Z", which RFC 3339 in Go writes ".85Z"
	do(t, srv, "POST", "/packages/publish", `{"name":"lib","version":"1.0.0"}`, auth...).want(t, 201, "")
	clock.Advance(time.Second - 850*time.Millisecond) // whole seconds: "….000Z"
	do(t, srv, "POST", "/packages/publish", `{"name":"lib","version":"1.1.0"}`, auth...).want(t, 201, "")
	created := do(t, srv, "POST", "/tokens", `{"name":"ci","scopes":["read"]}`, auth...).want(t, 201, "")
	if !strings.Contains(string(created.Raw), `"lastUsedAt":null`) {
		t.Errorf("a new token's lastUsedAt is not null: %s", created.Raw)
	}

	stamps := regexp.MustCompile(`"([A-Za-z]*At)":("[^"]*"|null)`)
	var seen int
	for _, path := range []string{"/auth/me", "/tokens", "/packages", "/packages/lib", "/packages/lib/versions",
		"/packages/lib/1.0.0/download", "/search?q=lib", "/users/alice", "/users/alice/packages", "/stats"} {
		r := do(t, srv, "GET", path, "", auth...).want(t, 200, "")
		for _, m := range stamps.FindAllStringSubmatch(string(r.Raw), -1) {
			seen++
			if m[2] == "null" {
				if m[1] != "lastUsedAt" {
					t.Errorf("GET %s: %s is null", path, m[1])
				}
				continue
			}
			if v := strings.Trim(m[2], `"`); !isoMillis.MatchString(v) {
				t.Errorf("GET %s: %s = %s, want toISOString's form", path, m[1], v)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("only %d timestamps seen", seen)
	}
	// The token used above has a time; the one never used has null.
	r := do(t, srv, "GET", "/tokens", "", auth...)
	if !strings.Contains(string(r.Raw), `"lastUsedAt":null`) || !regexp.MustCompile(`"lastUsedAt":"[^"]+\.\d{3}Z"`).Match(r.Raw) {
		t.Errorf("tokens: want one used and one null lastUsedAt: %s", r.Raw)
	}
	if !strings.Contains(string(do(t, srv, "GET", "/packages/lib/versions", "").Raw), `.850Z"`) {
		t.Errorf("1.0.0's publishedAt lost its trailing zero")
	}
}

// TestHeadAnswersAsGet checks that HEAD on a GET route answers GET's status
// and headers without a body, through a real server and through ServeHTTP.
func TestHeadAnswersAsGet(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	for _, path := range []string{"/packages", "/packages/lib", "/packages/lib/versions", "/search?q=lib", "/users/alice", "/stats", "/packages/nope"} {
		get, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		head, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		head.Body.Close()
		if head.StatusCode != get.StatusCode || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q, GET: %d %q", path, head.StatusCode, head.Header.Get("Content-Type"), get.StatusCode, get.Header.Get("Content-Type"))
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("HEAD", legiontest.BasePath+path, nil))
		if rec.Code != get.StatusCode || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
			t.Errorf("ServeHTTP HEAD %s: %d, body %q, Content-Length %q", path, rec.Code, rec.Body, rec.Header().Get("Content-Length"))
		}
	}
	// A POST-only route still refuses HEAD.
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("HEAD", legiontest.BasePath+"/auth/login", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("HEAD /auth/login: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestRateLimitHugeWindow checks that a window near the largest duration
// does not overflow Retry-After into 1, and that one second is singular.
func TestRateLimitHugeWindow(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	huge, err := time.ParseDuration("2562047h47m16s")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetRateLimit(1, huge, legiontest.ByAddress)
	do(t, srv, "GET", "/stats", "").want(t, 200, "")
	r := do(t, srv, "GET", "/stats", "").want(t, 429, "rate limit")
	if got := r.Header.Get("Retry-After"); len(got) < 9 {
		t.Errorf("Retry-After = %q for a window of %v", got, huge)
	}
	srv.SetRateLimit(1, 1500*time.Millisecond, legiontest.ByAddress)
	do(t, srv, "GET", "/stats", "").want(t, 200, "")
	clock.Advance(time.Second)
	r = do(t, srv, "GET", "/stats", "").want(t, 429, "retry in 1 second")
	if strings.Contains(r.Body["error"].(string), "1 seconds") {
		t.Errorf("error %q", r.Body["error"])
	}
}

// TestNullInRequestIsRefused checks that null where a string, an object or
// an array element is needed is a 400 naming the field, and stores nothing.
func TestNullInRequestIsRefused(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	auth := []string{"Authorization", "Bearer " + tok}
	for _, tc := range []struct{ path, body, field, want string }{
		{"/packages/publish", `{"name":null,"version":"2.0.0"}`, `"name"`, "a string"},
		{"/packages/publish", `{"name":"lib","version":"2.0.0","dependencies":{"legion-http":null}}`, `"dependencies[\"legion-http\"]"`, "a string"},
		{"/packages/publish", `{"name":"lib","version":"2.0.0","keywords":["x",null]}`, `"keywords[1]"`, "a string"},
		{"/packages/publish", `{"name":"lib","version":"2.0.0","dependencies":null}`, `"dependencies"`, "an object"},
		{"/packages/publish", `{"name":"lib","version":"2.0.0","readme":null}`, `"readme"`, "a string"},
		{"/packages/unpublish", `{"name":null}`, `"name"`, "a string"},
		{"/tokens", `{"name":"ci","scopes":["read",null]}`, `"scopes[1]"`, "a string"},
		{"/audit", `{"dependencies":{"lib":null}}`, `"dependencies[\"lib\"]"`, "a string"},
		{"/auth/signup", `{"username":"bob","email":null,"password":"12345678"}`, `"email"`, "a string"},
		{"/auth/login", `{"username":"alice","password":null}`, `"password"`, "a string"},
	} {
		do(t, srv, "POST", tc.path, tc.body, auth...).want(t, 400, "field "+tc.field+": expected "+tc.want+", got null")
	}
	if p, _ := srv.Package("lib"); len(p.Versions) != 1 {
		t.Errorf("a refused request changed lib: %+v", p.Versions)
	}
}

// TestStalledBodyTimesOut sends Content-Length: 100 and 15 bytes, then
// waits: the registry answers a JSON 408 within its body timeout rather
// than hanging, and records the request.
func TestStalledBodyTimesOut(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, legiontest.WithBodyTimeout(200*time.Millisecond))
	conn, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(srv.URL, legiontest.BasePath), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":\"a"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"success":false`) {
		t.Errorf("stalled body: %d %s", resp.StatusCode, body)
	}
	if got := srv.RequestsTo("POST", "/auth/login"); len(got) != 1 || got[0].Status != http.StatusRequestTimeout {
		t.Errorf("record: %+v", got)
	}
}
