package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// hang makes every registry call wait an hour (until the test ends).
func hang(f *fixture) { f.reg.AddFault(legiontest.Fault{Latency: time.Hour}) }

// getWithin is get with a client that gives up after d: a page that
// waited longer on the registry fails the test.
func (f *fixture) getWithin(t *testing.T, d time.Duration, path string) (int, string) {
	t.Helper()
	hc := &http.Client{Timeout: d}
	resp, err := hc.Get(f.dash.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A page waits on the registry for s.wait at most, then, with nothing
// cached, answers a friendly 503.
func TestPageWaitIsBounded(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	f.srv.cache.timeout = time.Hour // the registry call itself would wait on
	f.srv.wait = 200 * time.Millisecond
	hang(f)
	for _, path := range []string{"/", "/packages/legion-http", "/search?q=http"} {
		code, body := f.getWithin(t, 10*time.Second, path)
		if code != 503 || !strings.Contains(body, "Registry unavailable") {
			t.Errorf("%s with a hanging registry: status %d:\n%s", path, code, body)
		}
	}
}

// The independent registry calls of a page are made at once, not one
// after the other: with a registry that never answers, all of them reach
// it within the page's wait.
func TestPageCallsRunConcurrently(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	// Long enough for every call to arrive on a loaded machine; calls made
	// one after the other would still stop at the first (it never answers).
	f.srv.wait = 2 * time.Second
	hang(f)
	f.getWithin(t, 10*time.Second, "/?page=2")
	if got := [2]int{count(f.reg, "/stats"), count(f.reg, "/packages")}; got != [2]int{1, 4} {
		t.Errorf("the overview made %d /stats and %d /packages calls before its wait ended, want 1 and 4 (concurrent)", got[0], got[1])
	}
	f.getWithin(t, 10*time.Second, "/packages/legion-http")
	if got := [3]int{count(f.reg, "/packages/legion-http/versions"), count(f.reg, "/audit"), count(f.reg, "/packages/legion-http/latest/download")}; got != [3]int{1, 1, 1} {
		t.Errorf("the package page made %v versions, audit and download-metadata calls, want one of each (concurrent)", got)
	}
}

// With the cache expired and the registry hanging, a page is served from
// the cache at once: no wait at all, not even the page's bound.
func TestExpiredPageIsServedAtOnce(t *testing.T) {
	t.Parallel()
	f := setup(t, 0) // every answer expires at once
	f.srv.cache.timeout = time.Hour
	f.srv.wait = time.Hour
	for _, path := range []string{"/", "/packages/legion-http", "/search?q=http"} {
		if code, _ := f.get(t, path); code != 200 {
			t.Fatalf("%s: status %d", path, code)
		}
	}
	hang(f)
	for _, path := range []string{"/", "/packages/legion-http", "/search?q=http"} {
		code, body := f.getWithin(t, 10*time.Second, path)
		if code != 200 || strings.Contains(body, `id="error"`) {
			t.Errorf("%s: status %d", path, code)
		}
	}
}

// A registry that failed is left alone for a while: the next pages with
// nothing cached fail at once, without calling it.
func TestFailedRegistryIsLeftAlone(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	f.reg.AddFault(legiontest.Fault{Status: 503})
	for _, q := range []string{"first", "second", "third"} {
		if code, body := f.get(t, "/search?q="+q); code != 503 || !strings.Contains(body, "Registry unavailable") {
			t.Errorf("search %s: status %d", q, code)
		}
	}
	if n := count(f.reg, "/search"); n != 1 {
		t.Errorf("three searches during an outage made %d registry calls, want 1", n)
	}
}

// A stale page does not reload itself: in every open tab that would ask a
// registry that is down again and again.
func TestStalePageDoesNotReloadItself(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	f.get(t, "/")
	f.reg.AddFault(legiontest.Fault{Status: 503})
	f.get(t, "/")
	f.srv.cache.bg.Wait()
	_, body := f.get(t, "/")
	if !strings.Contains(body, `id="stale"`) {
		t.Fatal("the overview is not marked stale")
	}
	_, js := f.get(t, "/assets/app.js")
	if strings.Contains(body, `http-equiv="refresh"`) || strings.Contains(js, "reload") || strings.Contains(js, "location") {
		t.Error("the stale page reloads itself")
	}
}
