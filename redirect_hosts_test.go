package legion

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// hostNet is a pair of servers reached by name through a dialer that maps
// every name to loopback (no DNS): "registry" (in any case) is the registry, and every
// other name, "registry." and "evil" included, is the other server, which
// records whatever reaches it.
type hostNet struct {
	mu        sync.Mutex
	loc       string
	elsewhere []string
	client    *Client
}

func newHostNet(t *testing.T) *hostNet {
	t.Helper()
	n := &hostNet{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		n.elsewhere = append(n.elsewhere, r.Host+" "+r.URL.String()+" "+r.Header.Get("Authorization"))
		n.mu.Unlock()
		reply(w, 200, `{"success":true,"packages":1}`)
	}))
	t.Cleanup(other.Close)
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/stats" {
			n.mu.Lock()
			w.Header().Set("Location", n.loc)
			n.mu.Unlock()
			w.WriteHeader(302)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			reply(w, 401, `{"success":false,"error":"no token"}`)
			return
		}
		reply(w, 200, `{"success":true,"packages":1}`)
	}))
	t.Cleanup(reg.Close)
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		target := other.Listener.Addr().String()
		if host, _, _ := net.SplitHostPort(addr); strings.EqualFold(host, "registry") { // DNS names ignore case
			target = reg.Listener.Addr().String()
		}
		return (&net.Dialer{}).DialContext(ctx, "tcp", target)
	}
	hc := &http.Client{Transport: &http.Transport{DialContext: dial}}
	c, err := NewClient(WithBaseURL("http://registry/api/v1"), WithToken(testToken), WithInsecureHTTP(),
		WithHTTPClient(hc), WithRetryWait(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	n.client = c
	return n
}

// Locations that name another host in a disguise — userinfo, a trailing
// dot, no scheme, backslashes, an IPv6 literal, another port spelt as the
// default, percent-encoding — never take a request there: each is refused
// with ErrRedirect, and the other server sees nothing.
func TestRedirectDisguisedHostsRefused(t *testing.T) {
	t.Parallel()
	n := newHostNet(t)
	for _, loc := range []string{
		"http://registry./x", "http://reg@evil/x", "http://registry@evil/x", "http://registry:80@evil/x",
		"//evil/x", `http:\\evil/x`, "http:/evil/x", "http:evil/x", "http://[::1]/x", "http://evil:80/x",
		"http://registry:080/x", "https://registry/x", "http://registry\u3002/x", "ftp://registry/x",
		// Not URLs at all: refused like any redirect, not retried as a
		// transport failure.
		"http://%65vil/x", "http://evil%2eregistry/x", "http://registry%00.evil/x", `http://evil\@registry/x`,
	} {
		n.mu.Lock()
		n.loc = loc
		n.mu.Unlock()
		_, err := n.client.Stats(context.Background())
		checkRedirectErr(t, err, 302, strings.TrimPrefix(strings.TrimPrefix(loc, "http://"), "https://")[:3])
		var e *Error
		if errors.As(err, &e) && e.Attempts != 1 {
			t.Errorf("%q: %d attempts, want 1", loc, e.Attempts)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.elsewhere) != 0 {
		t.Errorf("another host received %q", n.elsewhere)
	}
}

// The same origin in another spelling (the default port made explicit,
// the scheme upper-cased, a path that climbs) is followed with the token.
func TestRedirectSameOriginSpellingsFollowed(t *testing.T) {
	t.Parallel()
	n := newHostNet(t)
	for _, loc := range []string{"http://registry:80/ok", "HTTP://registry/ok", "http://REGISTRY/ok", "http://Registry:80/ok", "http://registry:/ok", "/ok", `\\evil/ok`, "http://registry/../../ok"} {
		n.mu.Lock()
		n.loc = loc
		n.mu.Unlock()
		if _, err := n.client.Stats(context.Background()); err != nil {
			t.Errorf("%q: %v", loc, err)
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.elsewhere) != 0 {
		t.Errorf("another host received %q", n.elsewhere)
	}
}
