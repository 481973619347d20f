package legiontest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// rawServer has alice (token returned) owning package "lib" 1.0.0.
func rawServer(t *testing.T, opts ...legiontest.Option) (*legiontest.Server, string) {
	t.Helper()
	srv, _ := newServer(t, opts...)
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddPackage(legiontest.SeedPackage{Name: "lib", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}}); err != nil {
		t.Fatal(err)
	}
	return srv, tok
}

func TestMalformedInput(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	auth := []string{"Authorization", "Bearer " + tok}
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		msg                      string
	}{
		{"invalid JSON", "POST", "/auth/signup", `{"username":`, nil, 400, "invalid JSON"},
		{"not an object", "POST", "/auth/signup", `["alice"]`, nil, 400, "JSON object"},
		{"trailing garbage", "POST", "/auth/login", `{"username":"alice","password":"alice-password"} x`, nil, 400, "invalid JSON"},
		{"empty body", "POST", "/auth/login", ``, nil, 400, "JSON object"},
		{"wrong type", "POST", "/auth/signup", `{"username":5,"email":"a@b.co","password":"12345678"}`, nil, 400, `"username": expected a string, got number`},
		{"wrong type nested", "POST", "/packages/publish", `{"name":"lib","version":"2.0.0","dependencies":{"x":1}}`, auth, 400, `"dependencies": expected a string, got number`},
		{"wrong type array", "POST", "/tokens", `{"name":"ci","scopes":"read"}`, auth, 400, `"scopes": expected an array, got string`},
		{"missing fields", "POST", "/auth/signup", `{}`, nil, 400, "username is required"},
		{"missing email", "POST", "/auth/signup", `{"username":"bob"}`, nil, 400, "email is required"},
		{"missing password", "POST", "/auth/login", `{"username":"alice"}`, nil, 400, "password is required"},
		{"missing version", "POST", "/packages/publish", `{"name":"lib"}`, auth, 400, "version is required"},
		{"bad version", "POST", "/packages/publish", `{"name":"lib","version":"v1.0"}`, auth, 400, "version"},
		{"leading zero", "POST", "/packages/publish", `{"name":"lib","version":"01.0.0"}`, auth, 400, "version"},
		{"bad range", "POST", "/packages/publish", `{"name":"lib","version":"2.0.0","dependencies":{"x":"^^1"}}`, auth, 400, "dependencies: x"},
		{"unpublish no name", "POST", "/packages/unpublish", `{}`, auth, 400, "name is required"},
		{"token no name", "POST", "/tokens", `{"name":"  ","scopes":["read"]}`, auth, 400, "name is required"},
		{"token no scopes", "POST", "/tokens", `{"name":"ci"}`, auth, 400, "scopes is required"},
		{"token unknown scope", "POST", "/tokens", `{"name":"ci","scopes":["read","admin"]}`, auth, 400, `"admin"`},
		{"audit no deps", "POST", "/audit", `{}`, nil, 400, "dependencies is required"},
		{"audit wrong type", "POST", "/audit", `{"dependencies":["lib"]}`, nil, 400, `"dependencies": expected an object, got array`},
		{"page=-1", "GET", "/packages?page=-1", "", nil, 400, "page"},
		{"page=0", "GET", "/packages?page=0", "", nil, 400, "page"},
		{"page=1.5", "GET", "/packages?page=1.5", "", nil, 400, "page"},
		{"page overflow", "GET", "/packages?page=99999999999999999999", "", nil, 400, "page"},
		{"limit=abc", "GET", "/packages?limit=abc", "", nil, 400, "limit"},
		{"limit=0", "GET", "/packages?limit=0", "", nil, 400, "limit"},
		{"limit=101", "GET", "/packages?limit=101", "", nil, 400, "limit"},
		{"bad sort", "GET", "/packages?sort=stars", "", nil, 400, "sort"},
		{"search no q", "GET", "/search", "", nil, 400, "q is required"},
		{"search blank q", "GET", "/search?q=%20%20", "", nil, 400, "q is required"},
		{"search limit", "GET", "/search?q=lib&limit=1000", "", nil, 400, "limit"},
		{"download bad version", "GET", "/packages/lib/1.x/download", "", nil, 400, "version"},
		{"download unknown version", "GET", "/packages/lib/2.0.0/download", "", nil, 404, "2.0.0"},
		{"unknown route", "GET", "/nope", "", nil, 404, "no such endpoint"},
		{"api root", "GET", "", "", nil, 404, "no such endpoint"},
		{"api root slash", "GET", "/", "", nil, 404, "no such endpoint"},
		{"trailing slash", "GET", "/packages/", "", nil, 404, ""},
		{"too deep", "GET", "/packages/lib/1.0.0/download/more", "", nil, 404, "no such endpoint"},
		{"no verb", "GET", "/packages/lib/1.0.0", "", nil, 404, "no such endpoint"},
		{"publish no token", "POST", "/packages/publish", `{"name":"x","version":"1.0.0"}`, nil, 401, "authentication required"},
		{"publish bad token", "POST", "/packages/publish", `{"name":"x","version":"1.0.0"}`, []string{"Authorization", "Bearer lgn_nope"}, 401, "invalid or revoked"},
		{"publish not bearer", "POST", "/packages/publish", `{"name":"x","version":"1.0.0"}`, []string{"Authorization", "Basic " + tok}, 401, "authentication required"},
		{"tokens no token", "GET", "/tokens", "", nil, 401, "authentication required"},
		{"revoke no token", "DELETE", "/tokens/abcdefgh", "", nil, 401, "authentication required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, tc.method, tc.path, tc.body, tc.headers...).want(t, tc.status, tc.msg)
			if tc.status == 401 && r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	if p, _ := srv.Package("lib"); len(p.Versions) != 1 {
		t.Errorf("a malformed request changed lib: %+v", p.Versions)
	}
}

func TestWrongMethod(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"GET", "/auth/signup", "POST"},
		{"PUT", "/auth/login", "POST"},
		{"POST", "/auth/me", "GET, HEAD"},
		{"DELETE", "/packages", "GET, HEAD"},
		{"PUT", "/tokens", "GET, HEAD, POST"},
		{"GET", "/tokens/abcdefgh", "DELETE"},
		{"GET", "/packages/publish", "POST"},
		{"GET", "/packages/unpublish", "POST"},
		{"POST", "/packages/lib", "GET, HEAD"},
		{"DELETE", "/packages/lib/versions", "GET, HEAD"},
		{"POST", "/search?q=x", "GET, HEAD"},
		{"PATCH", "/users/alice", "GET, HEAD"},
		{"POST", "/users/alice/packages", "GET, HEAD"},
		{"POST", "/stats", "GET, HEAD"},
		{"GET", "/audit", "POST"},
	} {
		req := httptest.NewRequest(tc.method, legiontest.BasePath+tc.path, nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d, Allow %q; want 405, %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.allow)
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["success"] != false {
			t.Errorf("%s %s: body %q", tc.method, tc.path, rec.Body)
		}
	}
	if srv.Downloads("lib") != 0 {
		t.Errorf("a 405 counted a download")
	}
}

func TestOversizeBody(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t, legiontest.WithMaxBodyBytes(256))
	big := `{"name":"lib","version":"2.0.0","readme":"` + strings.Repeat("x", 300) + `"}`
	do(t, srv, "POST", "/packages/publish", big, "Authorization", "Bearer "+tok).want(t, 413, "exceeds 256 bytes")
	do(t, srv, "POST", "/auth/signup", `{"username":"bob","email":"bob@example.com","password":"`+strings.Repeat("p", 300)+`"}`).want(t, 413, "exceeds")
	// Just under the cap is fine.
	ok := `{"name":"lib","version":"2.0.0","readme":"` + strings.Repeat("x", 200) + `"}`
	do(t, srv, "POST", "/packages/publish", ok, "Authorization", "Bearer "+tok).want(t, 201, "")
	// The record keeps at most the cap, and redacts the password even when
	// the body was cut.
	for _, r := range srv.Requests() {
		if len(r.Body) > 256 {
			t.Errorf("recorded body of %d bytes", len(r.Body))
		}
		if strings.Contains(string(r.Body), "ppppp") {
			t.Errorf("recorded a truncated password: %.80s", r.Body)
		}
	}
}

func TestLoginWithoutContentType(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	// As the reference's curl example: no Content-Type at all.
	req, err := http.NewRequest("POST", srv.URL+"/auth/login", strings.NewReader(`{"username":"alice","password":"alice-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Del("Content-Type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Success bool        `json:"success"`
		Token   string      `json:"token"`
		User    legion.User `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !body.Success || !tokenRe.MatchString(body.Token) || body.User.Email != "alice@example.com" {
		t.Errorf("login without Content-Type: %d %+v", resp.StatusCode, body)
	}
	// A form Content-Type does not matter either.
	do(t, srv, "POST", "/auth/login", `{"username":"alice","password":"alice-password"}`,
		"Content-Type", "application/x-www-form-urlencoded").want(t, 200, "")
}

func TestEscapedPathsAreNamesNotRoutes(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	for _, tc := range []struct{ path, msg string }{
		{"/packages/%2E%2E", `package ".." not found`},
		{"/packages/%2e", `package "." not found`},
		{"/packages/a%2Fb", `package "a/b" not found`},
		{"/packages/lib%2Fversions", `package "lib/versions" not found`},
		{"/packages/%2E%2E/versions", `package ".." not found`},
		{"/packages/a%2Fb/1.0.0/download", `package "a/b" not found`},
		{"/users/%2E%2E", `user ".." not found`},
		{"/users/alice%2Fpackages", `user "alice/packages" not found`},
	} {
		do(t, srv, "GET", tc.path, "").want(t, 404, tc.msg)
	}
	// A path that would climb out of /packages when cleaned is not cleaned.
	req := httptest.NewRequest("GET", "/api/v1/packages/lib/../../stats", nil)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Errorf("dot segments: %d %s", rec.Code, rec.Body)
	}
	// Escaped segments that are ordinary characters route as usual.
	do(t, srv, "GET", "/packages/%6Cib", "").want(t, 200, "")
	do(t, srv, "POST", "/packages/%70ublish", `{"name":"lib","version":"1.1.0"}`, "Authorization", "Bearer "+tok).want(t, 201, "")
	if srv.Downloads("lib") != 1 {
		t.Errorf("downloads = %d", srv.Downloads("lib"))
	}
	// Outside the base path.
	resp, err := http.Get(strings.TrimSuffix(srv.URL, legiontest.BasePath) + "/packages/lib")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("outside /api/v1: %d", resp.StatusCode)
	}
	recs := srv.Requests()
	if got := recs[len(recs)-1].Path; got != "/packages/lib" {
		t.Errorf("recorded path outside the base = %q", got)
	}
}

func TestRawAnswersShapes(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	auth := []string{"Authorization", "Bearer " + tok}

	r := do(t, srv, "POST", "/packages/publish", `{"name":"lib","version":"1.1.0","readme":"# lib"}`, auth...).want(t, 201, "")
	if r.Body["message"] != "Published lib@1.1.0" {
		t.Errorf("publish message = %v", r.Body["message"])
	}
	v := r.Body["version"].(map[string]any)
	if v["name"] != "lib" || v["version"] != "1.1.0" || v["readme"] != "# lib" || v["publishedAt"] != t0.Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("published version = %v", v)
	}

	if string(mustJSON(t, v["dependencies"])) != "{}" {
		t.Errorf("no dependencies must read {} (none), not absent: %v", v["dependencies"])
	}
	r = do(t, srv, "GET", "/packages/lib", "").want(t, 200, "")
	entries := r.Body["package"].(map[string]any)["versions"].([]any)
	if len(entries) != 2 || len(entries[0].(map[string]any)) != 2 || entries[1].(map[string]any)["version"] != "1.1.0" {
		t.Errorf("package versions = %v, want [{version, publishedAt}…]", entries)
	}

	r = do(t, srv, "POST", "/tokens", `{"name":"ci","scopes":["read","read"]}`, auth...).want(t, 201, "")
	value, _ := r.Body["token"].(string)
	if !tokenRe.MatchString(value) || r.Body["id"] != value[28:] || r.Body["prefix"] != value[:8] || r.Body["name"] != "ci" {
		t.Errorf("created token = %s", r.Raw)
	}
	if diff := cmp.Diff([]any{"read"}, r.Body["scopes"]); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	r = do(t, srv, "GET", "/tokens", "", auth...).want(t, 200, "")
	if strings.Contains(string(r.Raw), value) || strings.Contains(string(r.Raw), tok) {
		t.Errorf("token list shows a full token: %s", r.Raw)
	}
	r = do(t, srv, "DELETE", "/tokens/"+value[28:], "", auth...).want(t, 200, "")
	if len(r.Body) != 1 {
		t.Errorf("revoke answer = %s", r.Raw)
	}

	r = do(t, srv, "GET", "/search?q=LIB", "").want(t, 200, "")
	if r.Body["query"] != "LIB" || r.Body["total"] != json.Number("1") {
		t.Errorf("search answer = %s", r.Raw)
	}
	res := r.Body["results"].([]any)[0].(map[string]any)
	if res["score"] != json.Number("100") || res["readme"] != nil || res["versions"] != nil {
		t.Errorf("search result = %v", res)
	}

	r = do(t, srv, "GET", "/packages?limit=1", "").want(t, 200, "")
	for _, k := range []string{"packages", "total", "page", "limit"} {
		if _, ok := r.Body[k]; !ok {
			t.Errorf("listing has no %q: %s", k, r.Raw)
		}
	}
	r = do(t, srv, "GET", "/packages?q=nothing-matches", "").want(t, 200, "")
	if string(mustJSON(t, r.Body["packages"])) != "[]" {
		t.Errorf("empty listing = %s", r.Raw)
	}
	r = do(t, srv, "GET", "/stats", "").want(t, 200, "")
	for _, k := range []string{"packages", "downloads", "users", "popular"} {
		if _, ok := r.Body[k]; !ok {
			t.Errorf("stats has no %q: %s", k, r.Raw)
		}
	}
	r = do(t, srv, "POST", "/audit", `{"dependencies":{"lib":"^^1","nope":"*"}}`).want(t, 200, "")
	want := `{"success":true,"advisories":[],"problems":[{"package":"lib","range":"^^1","problem":"invalid range"},{"package":"nope","range":"*","problem":"package not found"}],"scanned":2,"clean":false}`
	if string(r.Raw) != want {
		t.Errorf("audit answer\n got %s\nwant %s", r.Raw, want)
	}
	r = do(t, srv, "GET", "/users/alice", "").want(t, 200, "")
	if strings.Contains(string(r.Raw), "email") {
		t.Errorf("public profile shows the email: %s", r.Raw)
	}
	r = do(t, srv, "GET", "/packages/lib/latest/download", "").want(t, 200, "")
	if d := r.Body["download"].(map[string]any); d["version"] != "1.1.0" || d["readme"] != "# lib" {
		t.Errorf("download = %s", r.Raw)
	}
	if r.Header.Get("X-Request-Id") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Errorf("headers = %v", r.Header)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A HEAD of a package fetches nothing, so it counts no download.
func TestHeadCountsNoDownload(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	for _, method := range []string{"GET", "HEAD", "HEAD"} {
		req, _ := http.NewRequest(method, srv.URL+"/packages/lib", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", method, resp.StatusCode)
		}
	}
	if n := srv.Downloads("lib"); n != 1 {
		t.Errorf("downloads = %d, want 1 (the GET)", n)
	}
}
