package legion

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
)

// divert returns an http.Client that carries every request to rec,
// whatever host the URL names: a registry "on another host" reached over
// plain HTTP, as a proxy on the path would see it.
func divert(rec *recorder) *http.Client {
	addr := rec.srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// A token is not accepted for plain HTTP to a host that is not loopback,
// and nothing is sent; WithInsecureHTTP opts in.
func TestPlainHTTPRefusesToken(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, false)
	for _, base := range []string{
		"http://registry.example/api/v1", "http://10.0.0.8:8080/api/v1", "HTTP://Registry.Example",
		// Names and spellings that only look like loopback: deciding needs
		// no DNS, and a name that resolves to 127.0.0.1 today may not
		// tomorrow. 0.0.0.0 is "any address", not loopback.
		"http://127.0.0.1.nip.io/api/v1", "http://localhost.evil.example/", "http://localhost./",
		"http://foo.localhost/", "http://0.0.0.0:8080/", "http://127.1/", "http://2130706433/",
		"http://0x7f.0.0.1/", "http://[fe80::1%25lo]/",
	} {
		_, err := NewClient(WithBaseURL(base), WithToken(testToken), WithHTTPClient(divert(rec)))
		if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "WithInsecureHTTP") {
			t.Errorf("%s: NewClient err = %v, want an ArgumentError naming WithInsecureHTTP", base, err)
		}
		anon, err := NewClient(WithBaseURL(base), WithHTTPClient(divert(rec)))
		if err != nil {
			t.Fatalf("%s: anonymous client: %v", base, err)
		}
		if _, err := anon.With(WithToken(testToken)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: With(WithToken) err = %v, want ErrInvalidArgument", base, err)
		}
		// A password is a credential too: Login sends nothing.
		_, err = anon.Login(context.Background(), LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: Login err = %v, want ErrInvalidArgument", base, err)
		}
		_, err = anon.Signup(context.Background(), SignupRequest{Username: "alice", Email: "a@b.c", Password: NewSecret("hunter2xx")})
		if !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: Signup err = %v, want ErrInvalidArgument", base, err)
		}
	}
	// Nor can a client over https be turned into one over plain HTTP.
	secure, err := NewClient(WithBaseURL("https://registry.example/api/v1"), WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secure.With(WithBaseURL("http://registry.example/api/v1")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("With(WithBaseURL(http://…)) err = %v, want ErrInvalidArgument", err)
	}
	if got := rec.got(); len(got) != 0 {
		t.Errorf("requests reached the server: %q", got)
	}

	c, err := NewClient(WithBaseURL("http://registry.example/api/v1"), WithToken(testToken),
		WithInsecureHTTP(), WithHTTPClient(divert(rec)))
	if err != nil {
		t.Fatalf("with WithInsecureHTTP: %v", err)
	}
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec.got(); len(got) != 1 || !strings.HasSuffix(got[0], "Bearer "+testToken) {
		t.Errorf("opted-in request = %q, want one with the token", got)
	}
}

// Loopback and https need no opt-in.
func TestPlainHTTPLoopbackAllowed(t *testing.T) {
	t.Parallel()
	for _, base := range []string{
		"http://127.0.0.1:8080/api/v1", "http://127.1.2.3/api/v1", "http://localhost:9/api/v1",
		"http://LOCALHOST/api/v1", "http://[::1]:8080/api/v1", "https://registry.example/api/v1",
	} {
		if _, err := NewClient(WithBaseURL(base), WithToken(testToken)); err != nil {
			t.Errorf("%s: %v", base, err)
		}
	}
}
