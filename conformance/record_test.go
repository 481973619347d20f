package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// With LEGION_LIVE_RECORD=DIR every answer the suite receives is written
// to DIR, one file per request, so that a run against the live registry
// leaves evidence, and its answers can become the SDK's regression
// fixtures (testdata/live, decoded by live_fixtures_test.go). It works the
// same against the fake.

// Fixture is one recorded exchange, as the files hold it. The root
// package's live_fixtures_test.go reads the same fields.
type Fixture struct {
	Method string `json:"method"`
	// Path is below /api/v1, escaped, with the query string.
	Path string `json:"path"`
	// Request is the request body sent, redacted ("" for none).
	Request string      `json:"request,omitempty"`
	Status  int         `json:"status"`
	Header  http.Header `json:"header"`
	Body    string      `json:"body"`
}

// placeholderToken stands for every token: well-formed, so the SDK
// decodes a recorded answer as it decoded the real one.
const placeholderToken = "lgn_REDACTEDREDACTEDREDACTEDREDAC"

var (
	tokenShape    = regexp.MustCompile(`lgn_[A-Za-z0-9]{32}`)
	passwordField = regexp.MustCompile(`("password"\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// redactSecrets replaces tokens and password values in s.
func redactSecrets(s string) string {
	s = tokenShape.ReplaceAllString(s, placeholderToken)
	return passwordField.ReplaceAllString(s, `${1}"[redacted]"`)
}

// answerRecorder is an http.RoundTripper that writes each exchange to dir.
type answerRecorder struct {
	base http.RoundTripper
	dir  string
	seq  atomic.Int64
}

// recordingTransport wraps base with an answerRecorder when
// LEGION_LIVE_RECORD names a directory.
func recordingTransport(base http.RoundTripper) (http.RoundTripper, error) {
	dir := os.Getenv("LEGION_LIVE_RECORD")
	if dir == "" {
		return base, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("LEGION_LIVE_RECORD: %w", err)
	}
	return &answerRecorder{base: base, dir: dir}, nil
}

func (r *answerRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			sent, _ = io.ReadAll(b)
			b.Close()
		}
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // the SDK meets the same short body; nothing to keep
	}
	path := req.URL.EscapedPath()
	if i := strings.Index(path, "/api/v1/"); i >= 0 {
		path = path[i+len("/api/v1"):]
	}
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	h := resp.Header.Clone()
	h.Del("Set-Cookie")
	f := Fixture{Method: req.Method, Path: redactSecrets(path), Request: redactSecrets(string(sent)),
		Status: resp.StatusCode, Header: h, Body: redactSecrets(string(body))}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return resp, nil
	}
	slug := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(strings.SplitN(f.Path, "?", 2)[0], "-"), "-")
	name := fmt.Sprintf("%04d-%s-%s-%d.json", r.seq.Add(1), req.Method, slug, resp.StatusCode)
	if err := os.WriteFile(filepath.Join(r.dir, name), append(data, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "conformance: LEGION_LIVE_RECORD:", err)
	}
	return resp, nil
}

// TestAnswerRecorder checks that the recorder hands the caller the whole
// answer and writes it with tokens and passwords redacted.
func TestAnswerRecorder(t *testing.T) {
	tok := bogusToken()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "s="+tok)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"success":true,"token":%q}`, tok)
	}))
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("LEGION_LIVE_RECORD", dir)
	rt, err := recordingTransport(http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/auth/signup?x=1", strings.NewReader(`{"username":"u","password":"hunter2hunter2"}`))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(got), tok) {
		t.Errorf("the caller lost the answer: %s", got)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("files: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	var f Fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), tok) || strings.Contains(string(data), "hunter2") {
		t.Errorf("a secret was written: %s", data)
	}
	if f.Method != "POST" || f.Path != "/auth/signup?x=1" || f.Status != 201 || f.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(f.Body, placeholderToken) || !strings.Contains(f.Request, `"password":"[redacted]"`) {
		t.Errorf("fixture %+v", f)
	}
}
