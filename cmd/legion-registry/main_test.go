package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
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

type adminAnswer struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Error   string `json:"error"`
}
