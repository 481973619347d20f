package legiontest

import (
	"net/http/httptest"
	"sync"
	"testing"

	legion "github.com/legion-registry/legion-go"
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
	r, err := NewRegistry(opts...)
	if err != nil {
		t.Fatalf("legiontest.NewServer: %v", err)
	}
	srv := httptest.NewServer(r)
	s := &Server{Registry: r, URL: srv.URL + BasePath, t: t, srv: srv}
	t.Cleanup(s.Close)
	return s
}

// Client returns an SDK client for the server, with opts applied after the
// base URL and the server's HTTP client (so a test may add a token, a
// logger or retry settings). It fails the test on an invalid option.
func (s *Server) Client(opts ...legion.Option) *legion.Client {
	s.t.Helper()
	all := append([]legion.Option{legion.WithBaseURL(s.URL), legion.WithHTTPClient(s.srv.Client())}, opts...)
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
