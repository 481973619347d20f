// Command legion-registry serves legiontest's in-memory fake of the Legion
// registry on a real port, for local development and for tests of programs
// that are not written in Go.
//
//	go run ./cmd/legion-registry -addr 127.0.0.1:8080 -state dev-registry.json
//
// It prints the API's base URL (http://127.0.0.1:8080/api/v1) on stdout and
// everything else on stderr. SIGINT or SIGTERM shuts it down gracefully,
// saving the -state file. Run it with -h for the flags; the admin routes
// (/_admin/…, no authentication) are described in docs/legion-registry.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills the process the default way
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
