package legiontest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// A registry is an http.Handler; in a test, legiontest.NewServer(t) does
// the listening and the cleanup, and srv.Client() wires the SDK to it.
func ExampleNewRegistry() {
	reg, err := legiontest.NewRegistry(
		legiontest.WithClock(legiontest.NewManualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))),
		legiontest.WithTokenSeed(42),
	)
	if err != nil {
		panic(err)
	}
	token, err := reg.AddUser("alice", "alice@example.com", "hunter2xx")
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(reg)
	defer srv.Close()

	c, err := legion.NewClient(legion.WithBaseURL(srv.URL+"/api/v1"), legion.WithToken(token))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pv, err := c.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0"})
	if err != nil {
		panic(err)
	}
	fmt.Println(pv.Name, pv.Version, pv.PublishedAt.Format(time.RFC3339))

	_, err = c.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0"})
	fmt.Println(errors.Is(err, legion.ErrConflict))
	// Output:
	// legion-mylib 1.0.0 2025-01-01T00:00:00Z
	// true
}

// Faults make the registry fail the way a real one does.
func ExampleRegistry_AddFault() {
	reg, _ := legiontest.NewRegistry()
	srv := httptest.NewServer(reg)
	defer srv.Close()

	remove := reg.AddFault(legiontest.Fault{Method: "GET", Path: "/stats", Status: 503})
	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL+"/api/v1"), legion.WithMaxAttempts(1))
	_, err := c.Stats(context.Background())
	fmt.Println(errors.Is(err, legion.ErrServer))

	remove()
	_, err = c.Stats(context.Background())
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// A test of code that must not publish twice: the registry answers the
// publish with 503, and the request record shows it was sent once. In a
// test, legiontest.NewServer(t) replaces NewRegistry and httptest.
func ExampleFault_publishNotRetried() {
	reg, _ := legiontest.NewRegistry()
	srv := httptest.NewServer(reg)
	defer srv.Close()
	token, _ := reg.AddUser("bot", "bot@example.com", "hunter2xx")
	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL+"/api/v1"), legion.WithToken(token),
		legion.WithRetryWait(time.Millisecond, 10*time.Millisecond))

	reg.AddFault(legiontest.Fault{Method: "POST", Path: "/packages/publish", Status: 503, Times: 1})
	_, err := c.Publish(context.Background(), legion.PublishRequest{Name: "legion-widget", Version: "1.0.0"})
	fmt.Println(errors.Is(err, legion.ErrServer), len(reg.Requests()))

	// A read is retried through the same fault: two 503s, then the answer.
	reg.ResetRequests()
	reg.AddFault(legiontest.Fault{Method: "GET", Path: "/stats", Status: 503, Times: 2})
	st, err := c.Stats(context.Background())
	fmt.Println(err, st.Packages, len(reg.Requests()))
	// Output:
	// true 1
	// <nil> 0 3
}

// A manual clock drives the rate limiter's window and every timestamp, so
// a test of "come back in a minute" takes no time.
func ExampleManualClock() {
	clock := legiontest.NewManualClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	reg, _ := legiontest.NewRegistry(legiontest.WithClock(clock), legiontest.WithRateLimit(1, time.Minute, legiontest.ByToken))
	srv := httptest.NewServer(reg)
	defer srv.Close()
	token, _ := reg.AddUser("bot", "bot@example.com", "hunter2xx")
	client := func() *legion.Client {
		c, _ := legion.NewClient(legion.WithBaseURL(srv.URL+"/api/v1"), legion.WithToken(token))
		return c
	}
	ctx := context.Background()

	pv, err := client().Publish(ctx, legion.PublishRequest{Name: "legion-widget", Version: "1.0.0"})
	fmt.Println(pv.PublishedAt, err)

	// The second request in the window is refused for the rest of the
	// minute: longer than the client waits by itself, so it returns.
	clock.Advance(15 * time.Second)
	_, err = client().Me(ctx)
	var e *legion.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.RetryAfter)
	}

	clock.Advance(45 * time.Second) // the window closes
	me, err := client().Me(ctx)
	fmt.Println(me.Username, err)
	// Output:
	// 2025-06-01 12:00:00 +0000 UTC <nil>
	// 429 45s
	// bot <nil>
}
