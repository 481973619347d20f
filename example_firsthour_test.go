package legion_test

// Examples for a first hour with the SDK. Each runs against the fake
// registry (package legiontest); against the real one, leave out
// WithBaseURL.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func ExampleNewClient() {
	srv, reg := registry()
	defer srv.Close()
	token, _ := reg.AddUser("alice", "alice@example.com", "hunter2xx")

	// Options are checked here; nothing is sent yet.
	c, err := legion.NewClient(
		legion.WithBaseURL(srv.URL+"/api/v1"), // default: legion.DefaultBaseURL
		legion.WithToken(token),               // e.g. os.Getenv("LEGION_TOKEN")
		legion.WithUserAgent("release-bot/1.2"),
	)
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.Me(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", me.Username)

	// A malformed option fails at once.
	_, err = legion.NewClient(legion.WithBaseURL("ftp://example.com"))
	fmt.Println(err != nil)
	// Output:
	// signed in as alice
	// true
}

// A Client is immutable: With derives one with other settings, for
// another identity or another retry policy, and leaves c as it was.
func ExampleClient_With() {
	srv, reg := registry()
	defer srv.Close()
	aliceToken, _ := reg.AddUser("alice", "alice@example.com", "hunter2xx")
	bobToken, _ := reg.AddUser("bob", "bob@example.com", "hunter2xx")

	anonymous, err := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, token := range []string{aliceToken, bobToken} {
		c, err := anonymous.With(legion.WithToken(token))
		if err != nil {
			log.Fatal(err)
		}
		me, err := c.Me(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(me.Username)
	}
	_, err = anonymous.Me(ctx)
	fmt.Println("anonymous:", errors.Is(err, legion.ErrNoToken), anonymous.HasToken())
	// Output:
	// alice
	// bob
	// anonymous: true false
}

// Every error can be matched with errors.Is against a sentinel, and read
// with errors.As: a *legion.Error for an answer of the registry, a
// *legion.ArgumentError for an argument that was never sent.
func ExampleError() {
	srv, reg := registry()
	defer srv.Close()
	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	ctx := context.Background()

	_, err := c.ListVersions(ctx, "legion-nothing")
	var apiErr *legion.Error
	if errors.Is(err, legion.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println("not found:", apiErr.StatusCode, apiErr.Method)
	}

	_, err = c.Search(ctx, "http", &legion.SearchOptions{Limit: 500})
	var argErr *legion.ArgumentError
	if errors.Is(err, legion.ErrInvalidArgument) && errors.As(err, &argErr) {
		fmt.Println("invalid argument:", argErr.Arg)
	}

	// The registry asks for two minutes, longer than the client waits on
	// its own (WithRetryWait; 10s by default): the call returns at once
	// and RetryAfter says when to come back.
	reg.AddFault(legiontest.Fault{Path: "/stats", Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"120"}}})
	_, err = c.Stats(ctx)
	if errors.Is(err, legion.ErrRateLimited) && errors.As(err, &apiErr) {
		fmt.Println("rate limited; retry after", apiErr.RetryAfter)
	}
	// Output:
	// not found: 404 GET
	// invalid argument: limit
	// rate limited; retry after 2m0s
}

// AllPackages reads the listing page by page as the loop needs it; leaving
// the loop stops the reading.
func ExampleClient_AllPackages_query() {
	srv, reg := registry()
	defer srv.Close()
	reg.AddUser("alice", "alice@example.com", "hunter2xx")
	for i := range 250 {
		reg.AddPackage(legiontest.SeedPackage{Name: fmt.Sprintf("legion-http-%03d", i), Owner: "alice",
			Downloads: int64(i), Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}})
	}

	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	opts := &legion.ListOptions{Query: "http", Sort: legion.SortDownloads, Limit: legion.MaxLimit}
	n := 0
	for p, err := range c.AllPackages(context.Background(), opts) {
		if err != nil {
			log.Fatal(err)
		}
		if p.Downloads < 100 {
			break
		}
		n++
	}
	fmt.Println(n, "packages with 100 downloads or more;", len(reg.Requests()), "pages read")
	// Output: 150 packages with 100 downloads or more; 2 pages read
}

// Resolve reads the versions endpoint, which counts no download; a range
// that nothing satisfies is ErrNoMatchingVersion.
func ExampleClient_Resolve_noMatch() {
	srv, reg := registry()
	defer srv.Close()
	reg.AddUser("alice", "alice@example.com", "hunter2xx")
	reg.AddPackage(legiontest.SeedPackage{Name: "legion-http", Owner: "alice", Versions: []legiontest.SeedVersion{
		{Version: "1.4.1", PublishedAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
	}})

	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	_, err := c.Resolve(context.Background(), "legion-http", "^2.0.0")
	fmt.Println(errors.Is(err, legion.ErrNoMatchingVersion))
	fmt.Println("downloads:", reg.Downloads("legion-http"))
	// Output:
	// true
	// downloads: 0
}
