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
