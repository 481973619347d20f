package legion

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// dropConnection reads the request and closes the connection without an
// answer: the client cannot tell whether the server acted.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

// lostRegistry is a registry of one package whose publish answers can be
// lost, for the checks Publish makes after a lost answer.
type lostRegistry struct {
	mu       sync.Mutex
	listed   []string // entries of the versions list, as JSON
	listings int      // versions-list reads so far
}

func (lr *lostRegistry) store(entry string) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.listed = append(lr.listed, entry)
}

// versions serves the list; the first hide reads show nothing, as a
// registry whose listing lags its writes.
func (lr *lostRegistry) versions(hide int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lr.mu.Lock()
		lr.listings++
		body := `{"success":true,"versions":[`
		if lr.listings > hide {
			for i, e := range lr.listed {
				if i > 0 {
					body += ","
				}
				body += e
			}
		}
		lr.mu.Unlock()
		reply(w, 200, body+`]}`)
	}
}

// steps answers the i-th request with the i-th handler (the last one
// answers every request after it).
func steps(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

var lostReq = PublishRequest{Name: "legion-x", Version: "1.0.0", Dependencies: map[string]string{"legion-http": "^1.0.0"}}

const lostEntry = `{"version":"1.0.0","publishedAt":"2026-01-01T00:00:00Z","dependencies":{"legion-http":"^1.0.0"}}`

// The publish ran and its answer was lost: the versions list shows it, so
// Publish returns it, reconciled, without sending it again and without
// GET /packages/{name} (which counts a download: the test server fails on
// any route it was not given).
func TestPublishLostAnswerReconciled(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	var lr lostRegistry
	srv.handle("/packages/legion-x/versions", lr.versions(0))
	srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) {
		lr.store(lostEntry)
		dropConnection(w, r)
	})
	v, err := c.Publish(context.Background(), lostReq)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Reconciled || v.Name != "legion-x" || v.Version.String() != "1.0.0" {
		t.Errorf("Publish = %+v, want legion-x@1.0.0 reconciled", v)
	}
	if n := srv.count("/packages/publish"); n != 1 {
		t.Errorf("publish sent %d times, want 1", n)
	}
}

// The answer was lost before the server acted: the version is not listed,
// so Publish sends it once more.
func TestPublishLostBeforeActingResent(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	var lr lostRegistry
	srv.handle("/packages/legion-x/versions", lr.versions(0))
	srv.handle("/packages/publish", steps(dropConnection, func(w http.ResponseWriter, r *http.Request) {
		testBody(t, r, `{"name":"legion-x","version":"1.0.0","dependencies":{"legion-http":"^1.0.0"}}`)
		lr.store(lostEntry)
		reply(w, 201, `{"success":true,"name":"legion-x","version":"1.0.0"}`)
	}))
	v, err := c.Publish(context.Background(), lostReq)
	if err != nil {
		t.Fatal(err)
	}
	if v.Reconciled || v.Version.String() != "1.0.0" {
		t.Errorf("Publish = %+v, want 1.0.0 from the second answer", v)
	}
	if n := srv.count("/packages/publish"); n != 2 {
		t.Errorf("publish sent %d times, want 2", n)
	}
}

// The first publish ran but the listing lagged: the resend answers 409,
// which goes through the same check, and now finds it.
func TestPublishLostThenConflictReconciled(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	var lr lostRegistry
	srv.handle("/packages/legion-x/versions", lr.versions(1))
	srv.handle("/packages/publish", steps(func(w http.ResponseWriter, r *http.Request) {
		lr.store(lostEntry)
		dropConnection(w, r)
	}, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 409, `{"success":false,"error":"version exists"}`)
	}))
	v, err := c.Publish(context.Background(), lostReq)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Reconciled {
		t.Errorf("Publish = %+v, want reconciled", v)
	}
	if n := srv.count("/packages/publish"); n != 2 {
		t.Errorf("publish sent %d times, want 2", n)
	}
}

// Dependencies left out of the list are read from the download metadata
// (which does not count a download).
func TestPublishLostReconciledThroughDownloadMetadata(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	var lr lostRegistry
	srv.handle("/packages/legion-x/versions", lr.versions(0))
	srv.handle("/packages/legion-x/1.0.0/download", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"name":"legion-x","version":"1.0.0","dependencies":{"legion-http":"^1.0.0"}}`)
	})
	srv.handle("/packages/publish", func(w http.ResponseWriter, r *http.Request) {
		lr.store(`{"version":"1.0.0"}`)
		dropConnection(w, r)
	})
	v, err := c.Publish(context.Background(), lostReq)
	if err != nil || !v.Reconciled {
		t.Fatalf("Publish = %+v, %v; want reconciled", v, err)
	}
}

// Listed with other dependencies: another publish made this version.
func TestPublishLostListedWithOtherDependencies(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	var lr lostRegistry
	lr.store(`{"version":"1.0.0","dependencies":{"legion-http":"^2.0.0"}}`)
	srv.handle("/packages/legion-x/versions", lr.versions(0))
	srv.handle("/packages/publish", dropConnection)
	_, err := c.Publish(context.Background(), lostReq)
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrConflict (and a known outcome)", err)
	}
}

// When the check itself fails, or the resend is lost too and the version
// is still not listed, the caller gets ErrOutcomeUnknown.
func TestPublishOutcomeUnknown(t *testing.T) {
	t.Parallel()
	t.Run("check fails", func(t *testing.T) {
		t.Parallel()
		c, srv := setup(t)
		srv.handle("/packages/legion-x/versions", func(w http.ResponseWriter, r *http.Request) {
			reply(w, 503, `{"success":false,"error":"down"}`)
		})
		srv.handle("/packages/publish", dropConnection)
		_, err := c.Publish(context.Background(), lostReq)
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrServer) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown with the check's 503", err)
		}
		if n := srv.count("/packages/publish"); n != 1 {
			t.Errorf("publish sent %d times, want 1", n)
		}
	})
	t.Run("never listed", func(t *testing.T) {
		t.Parallel()
		c, srv := setup(t)
		var lr lostRegistry
		srv.handle("/packages/legion-x/versions", lr.versions(0))
		srv.handle("/packages/publish", dropConnection)
		_, err := c.Publish(context.Background(), lostReq)
		if !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
		}
		if n := srv.count("/packages/publish"); n != 2 {
			t.Errorf("publish sent %d times, want 2", n)
		}
	})
}

// plainFirst answers the first connection in plain HTTP, as a TLS server
// that is not one yet; the client's handshake fails before it writes any
// byte of its request.
type plainFirst struct {
	net.Listener
	once sync.Once
}

func (l *plainFirst) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		first := false
		l.once.Do(func() { first = true })
		if !first {
			return conn, nil
		}
		go func() {
			_, _ = conn.Read(make([]byte, 4096)) // the ClientHello
			_, _ = io.WriteString(conn, "HTTP/1.0 400 Bad Request\r\n\r\n")
			conn.Close()
		}()
	}
}

// A request that was never written (here: the TLS handshake failed) is
// retried for every method, a publish included.
func TestNothingWrittenRetriedForPost(t *testing.T) {
	t.Parallel()
	ts := &testServer{t: t, routes: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	srv := httptest.NewUnstartedServer(ts)
	srv.Listener = &plainFirst{Listener: srv.Listener}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	hc := srv.Client()
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v1"), WithToken(testToken), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	ts.handle("/tokens", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 201, `{"success":true,"id":"abcdefgh","token":"lgn_new0123456789"}`)
	})
	if _, err := c.CreateToken(context.Background(), CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}}); err != nil {
		t.Fatal(err)
	}
	if n := ts.count("/tokens"); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}
