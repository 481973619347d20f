package legiontest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/hook"
)

// Server is a Registry listening on a local httptest server.
type Server struct {
	*Registry
	// URL is the API's base URL, ending in /api/v1, for legion.WithBaseURL.
	URL string

	t     testing.TB
	srv   *httptest.Server
	close sync.Once
}

// NewServer starts a registry configured by opts on a local listener and
// closes it when the test ends. Invalid options or seed data fail the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(t, "NewServer", httptest.NewServer, opts)
}

// NewTLSServer is NewServer over HTTPS, with a certificate of httptest's
// that Client trusts (and no other client does). Its clients wait on a
// ManualClock as NewServer's do.
func NewTLSServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return newServer(t, "NewTLSServer", httptest.NewTLSServer, opts)
}

func newServer(t testing.TB, name string, start func(http.Handler) *httptest.Server, opts []Option) *Server {
	t.Helper()
	r, err := NewRegistry(opts...)
	if err != nil {
		t.Fatalf("legiontest.%s: %v", name, err)
	}
	srv := start(r)
	s := &Server{Registry: r, URL: srv.URL + BasePath, t: t, srv: srv}
	t.Cleanup(s.Close)
	return s
}

// Client returns an SDK client for the server, with opts applied after the
// base URL and the server's HTTP client (so a test may add a token, a
// logger or retry settings). It fails the test on an invalid option.
//
// When the registry runs on a ManualClock, the client waits on that clock:
// a retry's backoff or a Retry-After, and a wait for a remembered rate
// limit, advance the ManualClock to the wait's end and take no real time.
// A test of "back off, then succeed" runs in milliseconds, and the window
// of a rate limit really passes for the registry. (The SDK's public API
// has no such knob; this is reserved to the module's own packages.)
func (s *Server) Client(opts ...legion.Option) *legion.Client {
	s.t.Helper()
	all := []legion.Option{legion.WithBaseURL(s.URL), legion.WithHTTPClient(s.srv.Client())}
	if mc, ok := s.Registry.clock.(*ManualClock); ok {
		withClock := hook.WithRegistryClock.(func(func() time.Time, func(time.Time)) legion.Option)
		all = append(all, withClock(mc.Now, mc.advanceTo))
	}
	all = append(all, opts...)
	c, err := legion.NewClient(all...)
	if err != nil {
		s.t.Fatalf("legiontest: Server.Client: %v", err)
	}
	return c
}

// Close shuts the server down; requests still waiting on a fault's latency
// are cut off. It is called at the end of the test and may be called
// earlier; calls after the first do nothing.
func (s *Server) Close() {
	s.close.Do(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}
