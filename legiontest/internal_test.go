package legiontest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

func TestRecoverAnswers500JSON(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	r.beforeRoute = func(req *http.Request) {
		if req.URL.Path == BasePath+"/stats" {
			panic("boom")
		}
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", BasePath+"/stats", nil))
	var body map[string]any
	if rec.Code != 500 || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["success"] != false || body["error"] != "internal error" {
		t.Errorf("panic answered %d %s", rec.Code, rec.Body)
	}
	if r.panics.Load() != 1 {
		t.Errorf("panics = %d", r.panics.Load())
	}
	if rs := r.Requests(); len(rs) != 1 || rs[0].Status != 500 {
		t.Errorf("record = %+v", rs)
	}
	// Other requests are unaffected.
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", BasePath+"/packages", nil))
	if rec.Code != 200 {
		t.Errorf("after a panic: %d", rec.Code)
	}

	// http.ErrAbortHandler is net/http's to handle: passed on.
	r.beforeRoute = func(*http.Request) { panic(http.ErrAbortHandler) }
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("recovered %v, want ErrAbortHandler", p)
		}
	}()
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", BasePath+"/stats", nil))
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	a := hashPassword("hunter2xx", salt, StrongPasswordIterations)
	if !bytes.Equal(a, hashPassword("hunter2xx", salt, StrongPasswordIterations)) {
		t.Error("not deterministic")
	}
	if bytes.Equal(a, hashPassword("hunter2xy", salt, StrongPasswordIterations)) ||
		bytes.Equal(a, hashPassword("hunter2xx", []byte("0123456789abcdeF"), StrongPasswordIterations)) ||
		bytes.Equal(a, hashPassword("hunter2xx", salt, StrongPasswordIterations-1)) {
		t.Error("password, salt and iterations must all matter")
	}
	pw := passwordHash{salt: salt, sum: a, iter: StrongPasswordIterations}
	if !pw.verify("hunter2xx") || pw.verify("hunter2x") || (passwordHash{}).verify("") {
		t.Error("verify")
	}
}

// fuzzRegistry has a user (whose token is returned), packages, versions
// and an advisory, so that fuzzed requests reach real code.
func fuzzRegistry(tb testing.TB) (*Registry, string) {
	r, err := NewRegistry(WithTokenSeed(1), WithMaxBodyBytes(4096))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := r.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		tb.Fatal(err)
	}
	err = r.Seed(Seed{
		Packages: []SeedPackage{
			{Name: "lib", Owner: "alice", Keywords: []string{"http"}, Versions: []SeedVersion{{Version: "1.0.0"}, {Version: "2.0.0-rc.1", Dependencies: map[string]string{"dep": "^1"}}}},
			{Name: "a.b_c-d", Owner: "alice", Versions: []SeedVersion{{Version: "0.0.1"}}},
		},
		Advisories: []SeedAdvisory{{Package: "lib", Affected: "<2", Severity: legion.SeverityHigh, Title: "bad"}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r, tok
}

// FuzzHandler sends arbitrary requests: the answer is never a 5xx (no
// fault is injected), always a JSON object with a boolean "success", and
// the last-resort recover never fires.
func FuzzHandler(f *testing.F) {
	r, tok := fuzzRegistry(f)
	for _, s := range []struct {
		method, path, query, body string
		auth                      bool
	}{
		{"GET", "/packages", "sort=name&page=2&limit=1", "", false},
		{"GET", "/packages", "page=-1", "", false},
		{"GET", "/packages", "limit=abc&q=LIB", "", false},
		{"GET", "/packages", "page=9223372036854775807&limit=100", "", false},
		{"GET", "/packages/lib", "", "", false},
		{"GET", "/packages/%2E%2E", "", "", false},
		{"GET", "/packages/a%2Fb/versions", "", "", false},
		{"GET", "/packages/lib/versions", "", "", true},
		{"GET", "/packages/lib/latest/download", "", "", false},
		{"GET", "/packages/lib/2.0.0-rc.1/download", "", "", false},
		{"GET", "/packages/lib/1.x/download", "", "", false},
		{"GET", "/search", "q=http&limit=5", "", false},
		{"GET", "/search", "q=", "", false},
		{"GET", "/users/alice", "", "", false},
		{"GET", "/users/alice/packages", "", "", false},
		{"GET", "/stats", "", "", false},
		{"GET", "/auth/me", "", "", true},
		{"GET", "/tokens", "", "", true},
		{"DELETE", "/tokens/abcdefgh", "", "", true},
		{"POST", "/tokens", "", `{"name":"ci","scopes":["read"]}`, true},
		{"POST", "/tokens", "", `{"name":"ci","scopes":"read"}`, true},
		{"POST", "/auth/signup", "", `{"username":"bob","email":"bob@example.com","password":"bob-password"}`, false},
		{"POST", "/auth/signup", "", `{"username":5}`, false},
		{"POST", "/auth/login", "", `{"username":"alice","password":"alice-password"}`, false},
		{"POST", "/auth/login", "", `{"username":"alice","password":`, false},
		{"POST", "/packages/publish", "", `{"name":"new","version":"1.0.0","dependencies":{"lib":"^1"}}`, true},
		{"POST", "/packages/publish", "", `{"name":"new","version":"1.0.0","dependencies":{"lib":7}}`, true},
		{"POST", "/packages/publish", "", `{"name":"NEW","version":"x"}`, true},
		{"POST", "/packages/unpublish", "", `{"name":"a.b_c-d"}`, true},
		{"POST", "/audit", "", `{"dependencies":{"lib":"^1","x":"*","lib2":"^^"}}`, false},
		{"POST", "/audit", "", `null`, false},
		{"POST", "/audit", "", `{"dependencies":null}`, false},
		{"PUT", "/packages", "", "", false},
		{"OPTIONS", "/", "", "", false},
		{"GET", "", "", "", false},
		{"GET", "/../../etc/passwd", "", "", false},
		{"GET", "//packages", "", "", false},
		{"POST", "/packages/publish", "", strings.Repeat("[", 5000), true},
		{"POST", "/auth/signup", "", "{\"username\":\"\xff\xfe\",\"email\":\"a@b.c\",\"password\":\"12345678\"}", false},
	} {
		f.Add(s.method, s.path, s.query, []byte(s.body), s.auth)
	}
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, auth bool) {
		target := "http://registry.test" + BasePath + path
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.RemoteAddr = "192.0.2.1:1234"
		if auth {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		r.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q ?%q: %d %s", method, path, query, rec.Code, rec.Body)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: body is not a JSON object: %q", method, path, rec.Body)
		}
		var success bool
		if err := json.Unmarshal(out["success"], &success); err != nil {
			t.Fatalf("%s %q: no boolean success: %s", method, path, rec.Body)
		}
		if success != (rec.Code < 400) {
			t.Fatalf("%s %q: success %v with %d", method, path, success, rec.Code)
		}
		if n := r.panics.Load(); n != 0 {
			t.Fatalf("the recover fired %d times", n)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%s %q took %v", method, path, d)
		}
	})
}

func TestRecordIsBounded(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2*maxRecorded + 5 {
		r.record(&RecordedRequest{Method: "GET", Status: i})
	}
	rs := r.Requests()
	if len(rs) != maxRecorded || rs[0].Status != maxRecorded+5 || rs[len(rs)-1].Status != 2*maxRecorded+4 {
		t.Errorf("kept %d records, %d…%d", len(rs), rs[0].Status, rs[len(rs)-1].Status)
	}
	if len(r.reqs) > 2*maxRecorded {
		t.Errorf("holds %d records", len(r.reqs))
	}
}
