package legiontest

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
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// --- record and replay ---

// Fixture is one recorded exchange, as Record writes it and
// NewReplayServer (and the SDK's live fixture test) read it: one JSON file
// per request.
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

// PlaceholderToken stands for every token in a fixture: well-formed, so
// that the SDK decodes a recorded answer as it decoded the real one.
const PlaceholderToken = "lgn_REDACTEDREDACTEDREDACTEDREDACTED" // lgn_ and 32 letters

// Record meets live registries, whose tokens need not look like the
// fake's (lgn_ and 32 letters): in a fixture, "lgn_" and whatever follows
// it is a token, up to what ends a path segment or query value in a URL,
// and up to a space or the closing quote of a JSON string in text (a
// token holding a quote has it escaped there).
var (
	fixtureTokenPath  = regexp.MustCompile(`lgn_[^/?#\s]+`)
	fixtureTokenQuery = regexp.MustCompile(`lgn_[^&#\s]+`)
	fixtureTokenText  = regexp.MustCompile(`lgn_(?:[^\s"\\]|\\.)+`)
	slugUnsafe        = regexp.MustCompile(`[^A-Za-z0-9]+`)
)

// redactFixture replaces tokens and password values in s, a body or a
// header value: a password under a key in any case or spelt with escapes,
// as redactBody finds it.
func redactFixture(s string) string {
	s = string(redactPasswords(nil, []byte(s)))
	return fixtureTokenText.ReplaceAllString(s, PlaceholderToken)
}

// redactFixturePath replaces tokens in a path with its query.
func redactFixturePath(s string) string {
	p, q, hasQuery := strings.Cut(s, "?")
	p = fixtureTokenPath.ReplaceAllString(p, PlaceholderToken)
	if !hasQuery {
		return p
	}
	return p + "?" + fixtureTokenQuery.ReplaceAllString(q, PlaceholderToken)
}

type recorder struct {
	next http.RoundTripper
	dir  string
	seq  atomic.Int64
}

// Record returns a RoundTripper that sends each request through next
// (http.DefaultTransport when nil) and writes the exchange to dir as a
// Fixture file (0001-POST-packages-publish-201.json…), tokens of any shape
// ("lgn_" and what follows) replaced by PlaceholderToken, password fields
// (the key in any case) by "[redacted]", Set-Cookie dropped:
// a bot's own traffic, against the fake or a live registry, becomes
// fixtures for NewReplayServer. The caller gets the whole answer. A
// fixture that cannot be written fails the request with the error.
func Record(dir string, next http.RoundTripper) (http.RoundTripper, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("legiontest: Record: %w", err)
	}
	return &recorder{next: next, dir: dir}, nil
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			sent, _ = io.ReadAll(b)
			b.Close()
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // the caller meets the same short body; nothing to keep
	}
	path := req.URL.EscapedPath()
	if i := strings.Index(path, BasePath+"/"); i >= 0 {
		path = path[i+len(BasePath):]
	}
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	h := make(http.Header, len(resp.Header))
	for k, vs := range resp.Header {
		if k == "Set-Cookie" {
			continue
		}
		for _, v := range vs {
			h.Add(k, redactFixture(v))
		}
	}
	f := Fixture{Method: req.Method, Path: redactFixturePath(path), Request: redactFixture(string(sent)),
		Status: resp.StatusCode, Header: h, Body: redactFixture(string(body))}
	data, err := json.MarshalIndent(f, "", "  ")
	if err == nil {
		slug := strings.Trim(slugUnsafe.ReplaceAllString(strings.SplitN(f.Path, "?", 2)[0], "-"), "-")
		name := fmt.Sprintf("%04d-%s-%s-%d.json", r.seq.Add(1), req.Method, slug, resp.StatusCode)
		err = os.WriteFile(filepath.Join(r.dir, name), append(data, '\n'), 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("legiontest: Record: %w", err)
	}
	return resp, nil
}

// ReplayServer answers requests from recorded fixtures.
type ReplayServer struct {
	// URL is the API's base URL, ending in /api/v1.
	URL string

	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	fixtures []Fixture // in file name order
	used     []bool
}

// NewReplayServer serves the fixtures in dir (as Record writes them): a
// request is answered by the first unused fixture with its method, path
// and query, and request body (compared after the same redaction), in file
// order, so a sequence of identical requests gets its recorded answers in
// turn; once all are used, the last one answers again. A request that no
// fixture matches fails the test and is answered 501. The server closes
// when the test ends.
func NewReplayServer(t testing.TB, dir string) *ReplayServer {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("legiontest.NewReplayServer: no fixtures in %s (%v)", dir, err)
	}
	sort.Strings(files)
	s := &ReplayServer{t: t}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("legiontest.NewReplayServer: %v", err)
		}
		var f Fixture
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil || f.Method == "" || f.Status == 0 {
			t.Fatalf("legiontest.NewReplayServer: %s is not a fixture (%v)", name, err)
		}
		s.fixtures = append(s.fixtures, f)
	}
	s.used = make([]bool, len(s.fixtures))
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + BasePath
	t.Cleanup(s.srv.Close)
	return s
}

// Client returns an SDK client for the replay server, with opts applied
// after the base URL.
func (s *ReplayServer) Client(opts ...legion.Option) *legion.Client {
	s.t.Helper()
	c, err := legion.NewClient(append([]legion.Option{legion.WithBaseURL(s.URL), legion.WithHTTPClient(s.srv.Client())}, opts...)...)
	if err != nil {
		s.t.Fatalf("legiontest: ReplayServer.Client: %v", err)
	}
	return c
}

// Unused returns the fixtures no request has used, as "METHOD PATH →
// STATUS", for a test that wants its recording replayed in full.
func (s *ReplayServer) Unused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i, f := range s.fixtures {
		if !s.used[i] {
			out = append(out, fmt.Sprintf("%s %s → %d", f.Method, f.Path, f.Status))
		}
	}
	return out
}

func (s *ReplayServer) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	path := strings.TrimPrefix(req.URL.EscapedPath(), BasePath)
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	path, sent := redactFixturePath(path), redactFixture(string(body))
	s.mu.Lock()
	last := -1
	for i, f := range s.fixtures {
		if f.Method != req.Method || f.Path != path || f.Request != sent {
			continue
		}
		last = i
		if !s.used[i] {
			break
		}
	}
	if last >= 0 {
		s.used[last] = true
	}
	s.mu.Unlock()
	if last < 0 {
		s.t.Errorf("legiontest: replay: no fixture for %s %s (body %q)", req.Method, path, clip(sent))
		writeJSON(w, http.StatusNotImplemented, errorBody{Error: "replay: no fixture for this request"})
		return
	}
	f := s.fixtures[last]
	for k, vs := range f.Header {
		if k == "Content-Length" || k == "Date" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, f.Body)
}
