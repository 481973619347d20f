package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// TestMain lets a test run this command as a real process (to send it a
// signal): the test binary re-executed with LEGION_REGISTRY_MAIN=1 is main.
func TestMain(m *testing.M) {
	if os.Getenv("LEGION_REGISTRY_MAIN") == "1" {
		os.Args = append([]string{"legion-registry"}, strings.Fields(os.Getenv("LEGION_REGISTRY_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// syncBuffer is a goroutine-safe buffer that signals its first line.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	ready chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{ready: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if bytes.Contains(b.buf.Bytes(), []byte("\n")) {
		b.once.Do(func() { close(b.ready) })
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is one run() in progress.
type instance struct {
	URL    string // the API base URL run printed
	Root   string // URL without /api/v1
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// start runs the command in-process with args (plus -addr 127.0.0.1:0
// unless args give -addr) and waits for it to print its URL.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	if !strings.Contains(strings.Join(args, " "), "-addr") {
		args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stderr: newSyncBuffer(), cancel: cancel, done: make(chan int, 1)}
	stdout := newSyncBuffer()
	go func() { in.done <- run(ctx, args, stdout, in.stderr) }()
	select {
	case <-stdout.ready:
	case code := <-in.done:
		cancel()
		t.Fatalf("run exited with %d before serving; stderr:\n%s", code, in.stderr)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("run printed no URL within 10s")
	}
	in.URL = strings.TrimSpace(stdout.String())
	in.Root = strings.TrimSuffix(in.URL, "/api/v1")
	t.Cleanup(func() { in.stop(t) })
	return in
}

// stop shuts the instance down as SIGINT would and returns its exit status.
func (in *instance) stop(t *testing.T) int {
	t.Helper()
	in.cancel()
	select {
	case code := <-in.done:
		in.done <- code // later calls see it too
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of shutdown")
		return -1
	}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func do(t *testing.T, method, url, contentType, body string, header http.Header, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d answer is not JSON: %v\n%s", method, url, resp.StatusCode, err, data)
		}
	}
	return resp
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func sdk(t *testing.T, url string, opts ...legion.Option) *legion.Client {
	t.Helper()
	c, err := legion.NewClient(append([]legion.Option{legion.WithBaseURL(url), legion.WithRetryWait(time.Millisecond, 10*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type session struct {
	Success bool   `json:"success"`
	Token   string `json:"token"`
	User    struct {
		Username string `json:"username"`
	} `json:"user"`
}

// TestReferenceExamples sends the reference's curl examples as written.
func TestReferenceExamples(t *testing.T) {
	t.Parallel()
	in := start(t)
	if !strings.HasPrefix(in.URL, "http://127.0.0.1:") || !strings.HasSuffix(in.URL, "/api/v1") {
		t.Fatalf("printed %q, want http://127.0.0.1:PORT/api/v1", in.URL)
	}

	// curl -X POST …/auth/signup -H "Content-Type: application/json" -d '{…}'
	var s session
	resp := do(t, "POST", in.URL+"/auth/signup", "application/json",
		`{"username":"alice","email":"alice@example.com","password":"hunter2xx"}`, nil, &s)
	if resp.StatusCode != http.StatusCreated || !s.Success || !strings.HasPrefix(s.Token, "lgn_") || s.User.Username != "alice" {
		t.Fatalf("signup: %d %+v", resp.StatusCode, s)
	}

	// curl -X POST …/auth/login -d '{…}' (no Content-Type at all)
	req, _ := http.NewRequest("POST", in.URL+"/auth/login", strings.NewReader(`{"username":"alice","password":"hunter2xx"}`))
	if req.Header.Get("Content-Type") != "" {
		t.Fatal("the login request must carry no Content-Type")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var l session
	err = json.NewDecoder(resp.Body).Decode(&l)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !l.Success || !strings.HasPrefix(l.Token, "lgn_") || l.Token == s.Token {
		t.Fatalf("login: %d %+v %v", resp.StatusCode, l, err)
	}

	// Something for the search to find, with the body from the reference.
	resp = do(t, "POST", in.URL+"/packages/publish", "application/json",
		`{"name":"legion-http","version":"1.0.0","description":"HTTP client","license":"MIT","keywords":["http"],"readme":"# http","dependencies":{"legion-json":"^1.0.0"}}`,
		bearer(l.Token), nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("publish: %d", resp.StatusCode)
	}

	// curl "…/search?q=http&limit=10"
	var sr struct {
		Success bool `json:"success"`
		Results []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	resp = do(t, "GET", in.URL+"/search?q=http&limit=10", "", "", nil, &sr)
	if resp.StatusCode != http.StatusOK || !sr.Success || len(sr.Results) != 1 || sr.Results[0].Name != "legion-http" {
		t.Fatalf("search: %d %+v", resp.StatusCode, sr)
	}

	// /auth/me with the token; the stats shape of the reference.
	var me struct {
		Success bool `json:"success"`
		User    struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if resp := do(t, "GET", in.URL+"/auth/me", "", "", bearer(s.Token), &me); resp.StatusCode != 200 || me.User.Email != "alice@example.com" {
		t.Fatalf("me: %d %+v", resp.StatusCode, me)
	}
	var st map[string]any
	do(t, "GET", in.URL+"/stats", "", "", nil, &st)
	for _, k := range []string{"success", "packages", "downloads", "users", "popular"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stats lacks %q: %v", k, st)
		}
	}
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, in.stderr)
	}
}

const seedJSON = `{
  "users": [{"username": "bob", "email": "bob@example.com", "password": "bobsecret1",
             "tokens": [{"name": "ci", "value": "lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}]}],
  "packages": [{"name": "legion-http", "owner": "bob", "description": "HTTP client",
                "versions": [{"version": "1.0.0"}, {"version": "1.2.0"}], "downloads": 42}],
  "advisories": [{"package": "legion-http", "affected": "<1.2.0", "severity": "high", "title": "Header injection"}]
}`

func TestSeedFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, "-seed", seed)
	c := sdk(t, in.URL, legion.WithToken("lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"))
	ctx := context.Background()
	me, err := c.Me(ctx)
	if err != nil || me.Username != "bob" {
		t.Fatalf("Me with the seeded token: %+v, %v", me, err)
	}
	p, err := c.GetPackage(ctx, "legion-http")
	if err != nil || p.Latest.String() != "1.2.0" || p.Downloads != 43 {
		t.Fatalf("GetPackage: %+v, %v", p, err)
	}
	rep, err := c.Audit(ctx, map[string]string{"legion-http": "~1.0.0"})
	if err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].Title != "Header injection" {
		t.Fatalf("Audit: %+v, %v", rep, err)
	}
}

func TestBadSeedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"typo.json":    `{"user": []}`,
		"invalid.json": `{"users": [{"username": "x", "email": "x", "password": "x"}]}`,
		"notjson.json": `users: []`,
	} {
		seed := filepath.Join(dir, name)
		os.WriteFile(seed, []byte(content), 0o600)
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-seed", seed}, io.Discard, &stderr); code != 1 {
			t.Errorf("%s: exit %d, want 1; stderr:\n%s", name, code, &stderr)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-seed", filepath.Join(dir, "missing.json")}, io.Discard, &stderr); code != 1 {
		t.Errorf("missing seed: exit %d, want 1", code)
	}
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "registry.json")
	ctx := context.Background()

	in := start(t, "-state", state, "-token-seed", "7")
	anon := sdk(t, in.URL)
	sess, err := anon.Signup(ctx, legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	token := sess.Token.Reveal()
	alice := sdk(t, in.URL, legion.WithToken(token))
	if _, err := alice.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0", License: "MIT"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetPackage(ctx, "legion-mylib"); err != nil { // one download
		t.Fatal(err)
	}
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, in.stderr)
	}

	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("the state file is not valid JSON")
	}
	if bytes.Contains(data, []byte(token)) || bytes.Contains(data, []byte("hunter2xx")) {
		t.Fatal("the state file holds a clear-text secret")
	}
	assertNoTempFiles(t, dir)
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(state); fi.Mode().Perm() != 0o600 {
			t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
		}
	}

	// Restart from the file: the package, its downloads, the token and the
	// password are all there.
	in2 := start(t, "-state", state, "-token-seed", "7")
	alice2 := sdk(t, in2.URL, legion.WithToken(token))
	me, err := alice2.Me(ctx)
	if err != nil || me.Username != "alice" {
		t.Fatalf("Me with the old token after a restart: %+v, %v", me, err)
	}
	p, err := alice2.GetPackage(ctx, "legion-mylib")
	if err != nil || p.Latest.String() != "1.0.0" || p.Downloads != 2 {
		t.Fatalf("GetPackage after a restart: %+v, %v", p, err)
	}
	if _, err := sdk(t, in2.URL).Login(ctx, legion.LoginRequest{Username: "alice", Password: legion.NewSecret("hunter2xx")}); err != nil {
		t.Fatalf("Login after a restart: %v", err)
	}
	// The same token seed after a restore must not hand out a token that
	// clashes with a restored one.
	bob, err := sdk(t, in2.URL).Signup(ctx, legion.SignupRequest{Username: "bob", Email: "bob@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil || bob.Token.Reveal() == token {
		t.Fatalf("Signup after a restart: %v (same token: %v)", err, err == nil && bob.Token.Reveal() == token)
	}
	if _, err := alice2.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.1.0"}); err != nil {
		t.Fatal(err)
	}
	if code := in2.stop(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, in2.stderr)
	}

	// And the second shutdown saved the second session's work.
	in3 := start(t, "-state", state)
	vs, err := sdk(t, in3.URL).ListVersions(ctx, "legion-mylib")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions after the second restart: %v, %v", vs, err)
	}
	if _, err := sdk(t, in3.URL).GetUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
}

func TestStateFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format": 99}`), 0o600)
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", bad}, io.Discard, &stderr); code != 1 {
		t.Errorf("a state file that does not restore: exit %d, want 1", code)
	}
	if b, _ := os.ReadFile(bad); string(b) != `{"format": 99}` {
		t.Error("a state file that did not restore was overwritten")
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", filepath.Join(dir, "no", "such", "dir.json")}, io.Discard, &stderr); code != 1 {
		t.Errorf("a state file that cannot be written: exit %d, want 1", code)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "state.json")
	if err := os.WriteFile(name, []byte(`{"old":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// A write that fails halfway leaves the old file whole and no debris.
	boom := errors.New("disk full")
	err := writeFileAtomic(name, func(w io.Writer) error {
		io.WriteString(w, `{"new":`)
		if b, _ := os.ReadFile(name); string(b) != `{"old":true}` {
			t.Errorf("while writing, the file reads %q", b)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if b, _ := os.ReadFile(name); string(b) != `{"old":true}` {
		t.Fatalf("after a failed write the file reads %q", b)
	}
	assertNoTempFiles(t, dir)

	if err := writeFileAtomic(name, func(w io.Writer) error { _, err := io.WriteString(w, `{"new":true}`); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != `{"new":true}` {
		t.Fatalf("after a write the file reads %q", b)
	}
	assertNoTempFiles(t, dir)
}

type adminAnswer struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Error   string `json:"error"`
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	in := start(t, "-fault", "GET /stats 500:1")
	ctx := context.Background()
	c := sdk(t, in.URL, legion.WithMaxAttempts(1))

	// The -fault flag's fault answers once, then is gone.
	if _, err := c.Stats(ctx); !errors.Is(err, legion.ErrServer) {
		t.Fatalf("Stats under -fault: %v, want ErrServer", err)
	}
	if _, err := c.Stats(ctx); err != nil {
		t.Fatalf("Stats after the fault ran out: %v", err)
	}

	// Add one over HTTP, with a header and a custom body.
	var a adminAnswer
	resp := do(t, "POST", in.Root+"/_admin/faults", "",
		`{"method":"GET","path":"/packages/*","status":503,"header":{"Retry-After":"0"},"body":"<html>down</html>"}`, nil, &a)
	if resp.StatusCode != http.StatusCreated || a.ID == "" {
		t.Fatalf("POST /_admin/faults: %d %+v", resp.StatusCode, a)
	}
	resp = do(t, "GET", in.URL+"/packages/legion-x", "", "", nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "0" {
		t.Fatalf("under the fault: %d %v", resp.StatusCode, resp.Header)
	}
	_, err := c.GetPackage(ctx, "legion-x")
	var le *legion.Error
	if !errors.As(err, &le) || le.StatusCode != 503 || !strings.Contains(le.Message, "down") {
		t.Fatalf("SDK under the fault: %v", err)
	}
	// Other paths are untouched.
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("GET /stats beside the fault: %d", resp.StatusCode)
	}

	// Remove it: the real answer (404) comes back; removing twice is 404.
	if resp := do(t, "DELETE", in.Root+"/_admin/faults/"+a.ID, "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("DELETE fault: %d", resp.StatusCode)
	}
	if _, err := c.GetPackage(ctx, "legion-x"); !errors.Is(err, legion.ErrNotFound) {
		t.Fatalf("after removing the fault: %v, want ErrNotFound", err)
	}
	if resp := do(t, "DELETE", in.Root+"/_admin/faults/"+a.ID, "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("DELETE a removed fault: %d, want 404", resp.StatusCode)
	}

	// Latency as a duration, Times, a Go-marshalled Fault (nanoseconds).
	do(t, "POST", in.Root+"/_admin/faults", "application/json",
		`{"Method":"GET","Path":"/users/*","Status":502,"Times":1,"Latency":1000000}`, nil, &a)
	if resp := do(t, "GET", in.URL+"/users/nobody", "", "", nil, nil); resp.StatusCode != 502 {
		t.Fatalf("Go-shaped fault: %d", resp.StatusCode)
	}
	if resp := do(t, "GET", in.URL+"/users/nobody", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("after Times ran out: %d", resp.StatusCode)
	}

	// Faults legiontest would panic on are a 400.
	for _, body := range []string{
		`{"status":700}`, `{"path":"/packages/[","status":500}`, `{"times":-1,"status":500}`,
		`{"latency":"soon","status":500}`, `{"header":{"X":5},"status":500}`, `[]`, ``, `{"status":"500"}`,
	} {
		var e adminAnswer
		if resp := do(t, "POST", in.Root+"/_admin/faults", "", body, nil, &e); resp.StatusCode != 400 || e.Error == "" {
			t.Errorf("POST /_admin/faults %s: %d %+v, want 400 with an error", body, resp.StatusCode, e)
		}
	}
	if resp := do(t, "GET", in.Root+"/_admin/nope", "", "", nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown admin route: %d", resp.StatusCode)
	}
}

func TestAdminRequestsSnapshotRateLimit(t *testing.T) {
	t.Parallel()
	in := start(t)
	do(t, "POST", in.URL+"/auth/signup", "", `{"username":"carol","email":"carol@example.com","password":"carolpass1"}`, nil, nil)
	do(t, "GET", in.URL+"/search?q=http", "", "", nil, nil)

	var rec struct {
		Success  bool `json:"success"`
		Requests []struct {
			Method, Path, Query, Body string
			Authenticated             bool
			Status                    int
			Header                    http.Header
			Time, RequestID           string
			DurationMS                float64
		} `json:"requests"`
	}
	do(t, "GET", in.Root+"/_admin/requests", "", "", nil, &rec)
	if len(rec.Requests) != 2 || rec.Requests[0].Path != "/auth/signup" || rec.Requests[0].Status != 201 ||
		rec.Requests[1].Query != "q=http" || strings.Contains(rec.Requests[0].Body, "carolpass1") {
		t.Fatalf("request record: %+v", rec)
	}
	if q := rec.Requests[1]; q.RequestID == "" || q.Header.Get("User-Agent") == "" || !strings.HasSuffix(q.Time, "Z") || q.DurationMS <= 0 {
		t.Errorf("request record lacks header, time, request id or duration: %+v", q)
	}
	do(t, "POST", in.Root+"/_admin/reset-requests", "", "", nil, nil)
	do(t, "GET", in.Root+"/_admin/requests", "", "", nil, &rec)
	if rec.Requests == nil || len(rec.Requests) != 0 {
		t.Fatalf("after reset: %+v", rec)
	}

	var snap struct {
		Format int `json:"format"`
		Users  []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	if resp := do(t, "GET", in.Root+"/_admin/snapshot", "", "", nil, &snap); resp.StatusCode != 200 || len(snap.Users) != 1 || snap.Users[0].Username != "carol" {
		t.Fatalf("snapshot: %d %+v", resp.StatusCode, snap)
	}

	// Rate limit over HTTP: 2 per minute by address, then off again.
	if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", `{"n":2,"window":"1m","by":"address"}`, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT rate-limit: %d", resp.StatusCode)
	}
	for i := range 2 {
		if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d under the limit: %d", i+1, resp.StatusCode)
		}
	}
	resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	do(t, "PUT", in.Root+"/_admin/rate-limit", "", `{"n":0}`, nil, nil)
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("after turning the limit off: %d", resp.StatusCode)
	}
	for _, body := range []string{`{}`, `{"n":5}`, `{"n":5,"window":"1m","by":"ip"}`, `{"n":-1}`} {
		if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", body, nil, nil); resp.StatusCode != 400 {
			t.Errorf("PUT rate-limit %s: %d, want 400", body, resp.StatusCode)
		}
	}
}

func TestAdminDisabled(t *testing.T) {
	t.Parallel()
	in := start(t, "-admin=false")
	if resp := do(t, "GET", in.Root+"/_admin/requests", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("-admin=false: GET /_admin/requests = %d, want 404", resp.StatusCode)
	}
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("the API with -admin=false: %d", resp.StatusCode)
	}
}

// TestAllInterfaces: ":0" listens everywhere, so the admin routes are off
// by default, and the printed URL is a loopback one that works.
func TestAllInterfaces(t *testing.T) {
	t.Parallel()
	in := start(t, "-addr", ":0")
	if !strings.HasPrefix(in.URL, "http://127.0.0.1:") {
		t.Fatalf("printed %q", in.URL)
	}
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("GET /stats: %d", resp.StatusCode)
	}
	if resp := do(t, "GET", in.Root+"/_admin/requests", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("admin on a non-loopback address without -admin: %d, want 404", resp.StatusCode)
	}
}

func TestRateLimitFlag(t *testing.T) {
	t.Parallel()
	in := start(t, "-rate-limit", "2/1m")
	ctx := context.Background()
	anon := sdk(t, in.URL)
	a, err := anon.Signup(ctx, legion.SignupRequest{Username: "dave", Email: "dave@example.com", Password: legion.NewSecret("davepass1")})
	if err != nil {
		t.Fatal(err)
	}
	// Per token: dave's token gets 2 requests a minute, answered 429 with a
	// Retry-After after that.
	h := bearer(a.Token.Reveal())
	for i := range 2 {
		if resp := do(t, "GET", in.URL+"/auth/me", "", "", h, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := do(t, "GET", in.URL+"/auth/me", "", "", h, nil)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || ra < 1 || ra > 60 {
		t.Fatalf("third request: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The SDK sees ErrRateLimited with RetryAfter when the wait is longer
	// than it may wait.
	_, err = sdk(t, in.URL, legion.WithToken(a.Token.Reveal())).Me(ctx)
	var le *legion.Error
	if !errors.Is(err, legion.ErrRateLimited) || !errors.As(err, &le) || le.RetryAfter <= 0 {
		t.Fatalf("SDK over the limit: %v", err)
	}
}

func TestRateLimitByAddress(t *testing.T) {
	t.Parallel()
	in := start(t, "-rate-limit", "1/m", "-rate-limit-by", "address")
	do(t, "GET", in.URL+"/stats", "", "", nil, nil)
	// A token does not give a fresh allowance when counting by address.
	resp := do(t, "GET", in.URL+"/stats", "", "", bearer("lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second request from the address: %d", resp.StatusCode)
	}
}

func TestFaultFlagPublishNotRetried(t *testing.T) {
	t.Parallel()
	in := start(t, "-fault", "POST /packages/publish 503:2", "-fault", "* /api/v1/users/* 500")
	ctx := context.Background()
	s, err := sdk(t, in.URL).Signup(ctx, legion.SignupRequest{Username: "erin", Email: "erin@example.com", Password: legion.NewSecret("erinpass1")})
	if err != nil {
		t.Fatal(err)
	}
	c := sdk(t, in.URL, legion.WithToken(s.Token.Reveal()))
	req := legion.PublishRequest{Name: "legion-erin", Version: "1.0.0"}
	for i := range 2 {
		_, err := c.Publish(ctx, req)
		var le *legion.Error
		if !errors.As(err, &le) || le.StatusCode != 503 || le.Attempts != 1 {
			t.Fatalf("publish %d under the fault: %v", i+1, err)
		}
	}
	if _, err := c.Publish(ctx, req); err != nil {
		t.Fatalf("publish after the fault ran out: %v", err)
	}
	// A -fault path given with /api/v1 works the same.
	if _, err := c.GetUser(ctx, "erin"); !errors.Is(err, legion.ErrServer) {
		t.Fatalf("GetUser under '* /api/v1/users/* 500': %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-addr", "nope"},
		{"-rate-limit", "5"},
		{"-rate-limit", "x/1m"},
		{"-rate-limit", "5/0s"},
		{"-rate-limit", "5/fortnight"},
		{"-rate-limit-by", "ip"},
		{"-fault", "GET /x"},
		{"-fault", "GET /x 700"},
		{"-fault", "GET /x 500:0"},
		{"-fault", "GET /x[ 500"},
		{"-fault", "GET x 500"},
		{"-fault", "G3T /x 500"},
		{"-token-seed", "-1"},
		{"-body-timeout", "0s"},
		{"-admin=maybe"},
		{"-nope"},
		{"stray"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "usage: legion-registry") {
			t.Errorf("%q: no usage on stderr:\n%s", args, &stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote %q on stdout", args, &stdout)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "-rate-limit") {
		t.Errorf("-h: exit %d, usage:\n%s", code, &stderr)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]int64{
		"60/1m": {60, int64(time.Minute)}, "10/30s": {10, int64(30 * time.Second)},
		"100/h": {100, int64(time.Hour)}, "0/1s": {0, int64(time.Second)},
	} {
		n, w, err := parseRate(in)
		if err != nil || int64(n) != want[0] || int64(w) != want[1] {
			t.Errorf("parseRate(%q) = %d, %v, %v", in, n, w, err)
		}
	}
	for _, in := range []string{"x/1m", "1/0s", "-1/1m"} {
		if _, _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) accepted it", in)
		}
	}
}

// TestSignalShutdown runs the command as a process and stops it with
// SIGTERM, as a developer's Ctrl-C or a service manager would.
func TestSignalShutdown(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEGION_REGISTRY_MAIN=1", "LEGION_REGISTRY_ARGS=-addr 127.0.0.1:0 -state "+state)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 0, 64)
	for b := make([]byte, 1); !bytes.HasSuffix(line, []byte("\n")); {
		if _, err := stdout.Read(b); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("reading the URL: %v; stderr:\n%s", err, &stderr)
		}
		line = append(line, b[0])
	}
	url := strings.TrimSpace(string(line))
	if _, err := sdk(t, url).Signup(context.Background(), legion.SignupRequest{Username: "frank", Email: "frank@example.com", Password: legion.NewSecret("frankpass1")}); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit: %v; stderr:\n%s", err, &stderr)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 10s of SIGTERM")
	}
	data, err := os.ReadFile(state)
	if err != nil || !bytes.Contains(data, []byte(`"frank"`)) {
		t.Fatalf("state after SIGTERM: %v\n%s", err, data)
	}
}

// TestFaultPatterns checks that -fault and the admin route accept "**"
// and refuse, with an error naming it, a pattern no route can match.
func TestFaultPatterns(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-fault", "GET /pkgs/* 500"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `"GET /pkgs/*" matches no route`) {
		t.Errorf("-fault 'GET /pkgs/* 500': exit %d, stderr:\n%s", code, &stderr)
	}
	in := start(t, "-fault", "GET /packages/** 503")
	if resp := do(t, "GET", in.URL+"/packages/lib/1.0.0/download", "", "", nil, nil); resp.StatusCode != 503 {
		t.Errorf("GET a download under 'GET /packages/** 503': %d", resp.StatusCode)
	}
	var ans struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
	}
	resp := do(t, "POST", in.Root+"/_admin/faults", "application/json", `{"method":"GET","path":"/stats/*","status":500}`, nil, &ans)
	if resp.StatusCode != 400 || !strings.Contains(ans.Error, "/stats/*") {
		t.Errorf("admin fault on /stats/*: %d %+v", resp.StatusCode, ans)
	}
}

// TestStalledBody checks that the standalone server answers a body that
// stalls (Content-Length 100, 15 bytes sent) with a JSON 408 within
// -body-timeout instead of holding the handler forever.
func TestStalledBody(t *testing.T) {
	t.Parallel()
	in := start(t, "-body-timeout", "200ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.Root, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"username\":\"a"); err != nil {
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
}
