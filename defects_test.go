package legion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A nil *Client answers its accessors instead of panicking.
func TestNilClientAccessors(t *testing.T) {
	t.Parallel()
	var c *Client
	if c.BaseURL() != "" || c.HasToken() {
		t.Errorf("nil client: BaseURL %q, HasToken %v", c.BaseURL(), c.HasToken())
	}
	c.CloseIdleConnections()
	if _, err := c.Stats(context.Background()); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("nil client Stats: err = %v", err)
	}
}

// cutBody sends the headers and part of a body, then drops the connection.
func cutBody(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	_, _ = io.WriteString(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"success\":true,")
	_ = buf.Flush()
}

// A GET whose body is cut off after the headers is a transport failure:
// retried, and reported to the hook with its error.
func TestCutBodyRetried(t *testing.T) {
	t.Parallel()
	var as attempts
	c, srv := setup(t, as.option())
	srv.handle("/stats", steps(cutBody, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"users":3}`)
	}))
	s, err := c.Stats(context.Background())
	if err != nil || s.Users != 3 {
		t.Fatalf("Stats = %+v, %v; want the second answer", s, err)
	}
	if n := srv.count("/stats"); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
	if len(as.got) != 2 || as.got[0].Err == nil || as.got[0].RetryIn == 0 {
		t.Errorf("attempts = %+v, want the first with its error and a retry", as.got)
	}
}

// AllPackages stops on a repeated page: a registry that ignores "page"
// neither loops forever nor yields duplicates.
func TestAllPackagesRepeatedPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		wantErr    bool
	}{
		{"no total", `{"success":true,"packages":[{"name":"a"},{"name":"b"}]}`, false},
		{"total", `{"success":true,"packages":[{"name":"a"},{"name":"b"}],"total":5}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.handle("/packages", func(w http.ResponseWriter, r *http.Request) { reply(w, 200, tc.body) })
			var names []string
			var gotErr error
			for p, err := range c.AllPackages(context.Background(), &ListOptions{Limit: 2}) {
				if err != nil {
					gotErr = err
					break
				}
				names = append(names, p.Name)
				if len(names) > 20 {
					break
				}
			}
			if strings.Join(names, ",") != "a,b" {
				t.Errorf("yielded %v, want a,b once", names)
			}
			if tc.wantErr != errors.Is(gotErr, ErrInvalidResponse) {
				t.Errorf("err = %v, want ErrInvalidResponse: %v", gotErr, tc.wantErr)
			}
			if n := srv.count("/packages"); n != 2 {
				t.Errorf("fetched %d pages, want 2", n)
			}
		})
	}
}

// Cancelling in the backoff after a 503 keeps the 503's *Error in the chain.
func TestCancelInBackoffKeepsLastAnswer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hook := WithAttemptHook(func(_ context.Context, a Attempt) {
		if a.StatusCode == 503 {
			time.AfterFunc(10*time.Millisecond, cancel) // during the backoff
		}
	})
	c, srv := setup(t, hook, WithRetryWait(time.Millisecond, time.Minute))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-503")
		w.Header().Set("Retry-After", "30")
		reply(w, 503, `{"success":false,"error":"maintenance"}`)
	})
	_, err := c.Stats(ctx)
	var e *Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &e) {
		t.Fatalf("err = %v, want context.Canceled with the last *Error", err)
	}
	if e.StatusCode != 503 || e.RequestID != "req-503" || e.Attempts != 1 || e.Message != "maintenance" {
		t.Errorf("last answer = %+v", e)
	}
}

// An error body is read only as far as a message needs: the client stops
// reading a huge 500 long before the 2xx cap.
func TestErrorBodyReadCapped(t *testing.T) {
	t.Parallel()
	var written atomic.Int64
	c, srv := setup(t, WithMaxAttempts(1))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("<p>oops</p>", 1<<10))
		for written.Load() < 64<<20 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	})
	_, err := c.Stats(context.Background())
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "oops") {
		t.Fatalf("err = %v, want ErrServer with an excerpt", err)
	}
	// Give the handler a moment to see the closed connection.
	time.Sleep(50 * time.Millisecond)
	if n := written.Load(); n >= maxResponseBytes {
		t.Errorf("the server wrote %d bytes before the client hung up, want far fewer than %d", n, maxResponseBytes)
	}
}

// connectRefuser is a proxy that answers every CONNECT with 407.
func connectRefuser(t *testing.T) (*url.URL, func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.Header().Set("Proxy-Authenticate", `Basic realm="corp"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	t.Cleanup(p.Close)
	u, _ := url.Parse(p.URL)
	return u, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// A proxy's 407 is a *Error with that status, sent once, for the SDK's
// own transport and for a caller's.
func TestProxy407(t *testing.T) {
	t.Parallel()
	for _, own := range []bool{true, false} {
		t.Run(fmt.Sprintf("own transport %v", own), func(t *testing.T) {
			t.Parallel()
			proxy, connects := connectRefuser(t)
			opts := []Option{WithBaseURL("https://registry.example/api/v1"), WithToken(testToken), WithRetryWait(time.Millisecond, 10*time.Millisecond)}
			if !own {
				opts = append(opts, WithHTTPClient(&http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}))
			}
			c, err := NewClient(opts...)
			if err != nil {
				t.Fatal(err)
			}
			if own {
				c.cfg.shared.transport.Proxy = http.ProxyURL(proxy) // as HTTPS_PROXY would, before any request
			}
			_, err = c.Stats(context.Background())
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != 407 || !strings.Contains(e.Error(), "proxy") {
				t.Fatalf("err = %v, want a *Error with status 407 naming the proxy", err)
			}
			if n := connects(); n != 1 {
				t.Errorf("proxy saw %d CONNECTs, want 1: a 407 is not retried", n)
			}
		})
	}
}

// ListUserPackages keeps the total the registry sends.
func TestListUserPackagesTotal(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/users/alice/packages", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"packages":[{"name":"a"}],"total":7,"page":1,"limit":1}`)
	})
	list, err := c.ListUserPackages(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if list.Total != 7 || len(list.Packages) != 1 || list.Page != 1 || list.Limit != 1 {
		t.Errorf("ListUserPackages = %+v, want total 7", list)
	}
}
