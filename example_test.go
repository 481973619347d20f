package legion_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// registry starts the fake registry for an example; tests use
// legiontest.NewServer instead.
func registry() (*httptest.Server, *legiontest.Registry) {
	reg, err := legiontest.NewRegistry()
	if err != nil {
		log.Fatal(err)
	}
	return httptest.NewServer(reg), reg
}

func ExampleClient_Publish() {
	srv, reg := registry()
	defer srv.Close()
	token, _ := reg.AddUser("alice", "alice@example.com", "hunter2xx")

	c, err := legion.NewClient(legion.WithBaseURL(srv.URL+"/api/v1"), legion.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	req := legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0", License: "MIT"}
	if _, err := c.Publish(ctx, req); err != nil {
		log.Fatal(err)
	}
	_, err = c.Publish(ctx, req)
	fmt.Println("again:", errors.Is(err, legion.ErrConflict))
	// Output: again: true
}

func ExampleClient_Resolve() {
	srv, reg := registry()
	defer srv.Close()
	reg.AddUser("alice", "alice@example.com", "hunter2xx")
	reg.AddPackage(legiontest.SeedPackage{Name: "legion-http", Owner: "alice", Versions: []legiontest.SeedVersion{
		{Version: "1.2.0"}, {Version: "1.4.1"}, {Version: "1.5.0-rc.1"}, {Version: "2.0.0"},
	}})

	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	for _, rng := range []string{"^1.2.0", "~1.2", ">=1.5.0-rc.0 <2", "latest"} {
		v, err := c.Resolve(context.Background(), "legion-http", rng)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-16s %s\n", rng, v.Version)
	}
	// Output:
	// ^1.2.0           1.4.1
	// ~1.2             1.2.0
	// >=1.5.0-rc.0 <2  1.5.0-rc.1
	// latest           2.0.0
}

func ExampleClient_AllPackages() {
	srv, reg := registry()
	defer srv.Close()
	reg.AddUser("alice", "alice@example.com", "hunter2xx")
	for _, name := range []string{"c", "a", "b"} {
		reg.AddPackage(legiontest.SeedPackage{Name: "legion-" + name, Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}})
	}

	c, _ := legion.NewClient(legion.WithBaseURL(srv.URL + "/api/v1"))
	for p, err := range c.AllPackages(context.Background(), &legion.ListOptions{Sort: legion.SortName, Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Name, p.Latest)
	}
	// Output:
	// legion-a 1.0.0
	// legion-b 1.0.0
	// legion-c 1.0.0
}
