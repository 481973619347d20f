package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// With LEGION_LIVE_RECORD=DIR every answer the suite receives is written
// to DIR, one file per request, so that a run against the live registry
// leaves evidence, and its answers can become the SDK's regression
// fixtures (testdata/live, decoded by live_fixtures_test.go). It works the
// same against the fake.

// recordingTransport wraps base with legiontest.Record when
// LEGION_LIVE_RECORD names a directory; the files are legiontest.Fixture.
func recordingTransport(base http.RoundTripper) (http.RoundTripper, error) {
	dir := os.Getenv("LEGION_LIVE_RECORD")
	if dir == "" {
		return base, nil
	}
	rt, err := legiontest.Record(dir, base)
	if err != nil {
		return nil, fmt.Errorf("LEGION_LIVE_RECORD: %w", err)
	}
	return rt, nil
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
	var f legiontest.Fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), tok) || strings.Contains(string(data), "hunter2") {
		t.Errorf("a secret was written: %s", data)
	}
	if f.Method != "POST" || f.Path != "/auth/signup?x=1" || f.Status != 201 || f.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(f.Body, legiontest.PlaceholderToken) || !strings.Contains(f.Request, `"password":"[redacted]"`) {
		t.Errorf("fixture %+v", f)
	}
}
