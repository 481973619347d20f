package legiontest_test

import (
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// "503 on the second publish only": Skip 1, Times 1.
func TestFaultSkip(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	srv.AddFault(legiontest.Fault{Method: "POST", Path: "/packages/publish", Skip: 1, Times: 1, Status: 503})
	srv.ResetRequests()
	c := srv.Client(legion.WithToken(tok))
	publish(t, c, legion.PublishRequest{Name: "lib", Version: "1.1.0"})
	_, err := c.Publish(ctx(), legion.PublishRequest{Name: "lib", Version: "1.2.0"})
	wantStatus(t, err, 503, "")
	publish(t, c, legion.PublishRequest{Name: "lib", Version: "1.2.0"})
	if diff := cmp.Diff([]int{201, 503, 201}, statuses(srv.Requests())); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if len(srv.Faults()) != 0 {
		t.Errorf("Faults = %+v after the fault ran out", srv.Faults())
	}
}

func TestFaultMatchesQueryAndBodyField(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	srv.AddFault(legiontest.Fault{Path: "/packages", Query: map[string]string{"sort": "name"}, Status: 500})
	srv.AddFault(legiontest.Fault{Path: "/packages/publish", BodyField: map[string]string{"version": "3.0.0"}, Status: 502})
	srv.AddFault(legiontest.Fault{Path: "/tokens", Method: "POST", BodyField: map[string]string{"scopes": `["publish"]`}, Status: 418})
	auth := []string{"Authorization", "Bearer " + tok}

	do(t, srv, "GET", "/packages?sort=name", "").want(t, 500, "injected")
	do(t, srv, "GET", "/packages?sort=downloads", "").want(t, 200, "")
	do(t, srv, "GET", "/packages", "").want(t, 200, "")
	do(t, srv, "POST", "/packages/publish", `{"name":"lib","version":"3.0.0"}`, auth...).want(t, 502, "injected")
	do(t, srv, "POST", "/packages/publish", `{"name":"lib","version":"2.0.0"}`, auth...).want(t, 201, "")
	// Exact keys, as the registry reads them.
	do(t, srv, "POST", "/packages/publish", `{"name":"lib","VERSION":"3.0.0","version":"2.1.0"}`, auth...).want(t, 201, "")
	do(t, srv, "POST", "/tokens", `{"name":"ci","scopes": [ "publish" ]}`, auth...).want(t, 418, "injected")
	do(t, srv, "POST", "/tokens", `{"name":"ci","scopes":["read"]}`, auth...).want(t, 201, "")
}

func TestFaultResetConnection(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	srv.AddFault(legiontest.Fault{Path: "/stats", Disconnect: legiontest.ResetConnection, Times: 1})
	srv.ResetRequests()
	resp, err := http.Get(srv.URL + "/stats")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET /stats under a reset: %d, want an error", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("err = %v, want ECONNRESET", err)
	}
	if rs := srv.Requests(); len(rs) != 1 || rs[0].Status != 0 {
		t.Errorf("recorded %+v, want one request with status 0", rs)
	}
	// The SDK retries a GET through it.
	if _, err := srv.Client(legion.WithRetryWait(time.Millisecond, time.Millisecond)).Stats(ctx()); err != nil {
		t.Errorf("Stats after one reset: %v", err)
	}
}

func TestFaultCloseMidBody(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	body := `{"success":true,"packages":1,"downloads":0,"users":1,"popular":[]}`
	srv.AddFault(legiontest.Fault{Path: "/stats", Status: 200, Body: body, Disconnect: legiontest.CloseMidBody})
	resp, err := http.Get(srv.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || string(got) != body[:len(body)/2] {
		t.Errorf("read %q, %v; want half the body and ErrUnexpectedEOF", got, err)
	}
	if resp.Header.Get("Content-Length") != "66" {
		t.Errorf("Content-Length = %q, want the whole body's", resp.Header.Get("Content-Length"))
	}
	if rs := srv.RequestsTo("GET", "/stats"); len(rs) != 1 || rs[0].Status != 200 {
		t.Errorf("recorded %+v, want status 200", rs)
	}
}

// With OnClock the latency passes on the registry's ManualClock: the
// answer waits until the test moves it, and costs no real time.
func TestFaultLatencyOnClock(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	srv.AddFault(legiontest.Fault{Path: "/stats", Latency: time.Hour, OnClock: true})
	done := make(chan error, 1)
	go func() {
		_, err := srv.Client().Stats(ctx())
		done <- err
	}()
	// Wait for the request to arrive, then move the clock in two steps.
	for len(srv.RequestsTo("GET", "/stats")) == 0 {
		time.Sleep(time.Millisecond)
	}
	clock.Advance(59 * time.Minute)
	select {
	case err := <-done:
		t.Fatalf("answered before the hour passed: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(time.Minute)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer after the clock passed the latency")
	}
	defer func() {
		if recover() == nil {
			t.Error("OnClock on the system clock did not panic")
		}
	}()
	legiontest.NewServer(t).AddFault(legiontest.Fault{Path: "/stats", Latency: time.Second, OnClock: true})
}

func TestFaultsListAndClear(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	srv.AddFault(legiontest.Fault{Name: "a", Path: "/stats", Status: 500, Skip: 2, Times: 3})
	srv.AddFault(legiontest.Fault{Name: "b", Path: "/search", Status: 500})
	do(t, srv, "GET", "/stats", "").want(t, 200, "")
	got := srv.Faults()
	want := []legiontest.Fault{
		{Name: "a", Path: "/stats", Status: 500, Skip: 1, Times: 3},
		{Name: "b", Path: "/search", Status: 500},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Faults (-want +got):\n%s", diff)
	}
	srv.ClearFaults()
	if got := srv.Faults(); len(got) != 0 {
		t.Errorf("Faults after ClearFaults = %+v", got)
	}
	do(t, srv, "GET", "/search?q=x", "").want(t, 200, "")
}

func TestFaultValidateNew(t *testing.T) {
	t.Parallel()
	for _, f := range []legiontest.Fault{
		{Path: "/stats", Skip: -1},
		{Path: "/stats", OnClock: true},
		{Path: "/stats", Disconnect: 7},
	} {
		if err := f.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", f)
		}
	}
	if err := (legiontest.Fault{Path: "/stats", Disconnect: legiontest.CloseMidBody, Skip: 1}).Validate(); err != nil {
		t.Error(err)
	}
}
