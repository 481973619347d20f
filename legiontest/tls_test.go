package legiontest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/legion-registry/legion-go/legiontest"
)

// The TLS server's client trusts it, and still waits on the fake clock.
func TestNewTLSServer(t *testing.T) {
	t.Parallel()
	clock := legiontest.NewManualClock(t0)
	srv := legiontest.NewTLSServer(t, legiontest.WithClock(clock))
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("URL = %s", srv.URL)
	}
	srv.AddFault(legiontest.Fault{Path: "/stats", Times: 1, Status: 429, Header: http.Header{"Retry-After": {"7"}}})
	start := time.Now()
	if _, err := srv.Client().Stats(ctx()); err != nil {
		t.Fatalf("Stats over TLS after a 429: %v", err)
	}
	if moved := clock.Now().Sub(t0); moved != 7*time.Second {
		t.Errorf("the clock moved %v, want the 7s of Retry-After", moved)
	}
	if real := time.Since(start); real > 5*time.Second {
		t.Errorf("the wait took %v of real time", real)
	}
	if diff := cmp.Diff([]int{429, 200}, statuses(srv.Requests())); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Another client does not trust the certificate.
	if resp, err := http.Get(srv.URL + "/stats"); err == nil {
		resp.Body.Close()
		t.Error("a default client trusted the test certificate")
	}
}
