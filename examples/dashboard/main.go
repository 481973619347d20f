// Command dashboard serves a web dashboard of a Legion registry: totals,
// the top packages and a chart of their downloads, search, and each
// package's versions, dependencies and advisories.
//
//	go run .                  # in examples/dashboard: a demo registry, embedded
//	LEGION_REGISTRY=https://…/api/v1 go run . -addr 127.0.0.1:8080
//
// Without LEGION_REGISTRY it starts an in-memory legiontest registry
// seeded with a demo. It prints the page's URL and serves until Ctrl-C.
//
// It is a good citizen of the registry: it never calls GET /packages/:name
// (which counts a download), caches answers (fresh for -ttl, then served
// while one background call refreshes them), sends one request for many
// concurrent readers of the same data, and leaves a failing registry
// alone for a few seconds. A page waits on the registry 2 s at most: then
// it shows the last good data marked stale, or a friendly 503.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"syscall"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// clientOptions are the SDK settings of the dashboard's client. A page
// waits pageWait at most, and no longer than that on a registry that has
// failed; a call keeps going in the background to fill the cache, but not
// for long: a registry that accepts and never answers fails an attempt
// after a few seconds.
func clientOptions(log *slog.Logger) []legion.Option {
	return []legion.Option{
		legion.WithUserAgent("legion-dashboard/1.0"), legion.WithLogger(log),
		legion.WithTimeout(4 * time.Second), legion.WithMaxAttempts(2), legion.WithRetryWait(200*time.Millisecond, 2*time.Second),
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fl.SetOutput(stderr)
	addr := fl.String("addr", "127.0.0.1:0", "listen `address`; port 0 picks a free one")
	ttl := fl.Duration("ttl", 30*time.Second, "how long registry answers are fresh; older ones are served while they are refreshed")
	cacheBytes := fl.Int64("cache-bytes", defaultCacheBytes, "the most `bytes` of registry answers kept (an estimate)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "dashboard: unexpected argument %q\n", fl.Arg(0))
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	if *cacheBytes < 1 {
		fmt.Fprintln(stderr, "dashboard: -cache-bytes must be positive")
		return 2
	}
	opts := clientOptions(log)
	if base := getenv("LEGION_REGISTRY"); base != "" {
		opts = append(opts, legion.WithBaseURL(base))
		if tok := getenv("LEGION_TOKEN"); tok != "" {
			opts = append(opts, legion.WithToken(tok))
		}
	} else {
		reg, err := legiontest.NewRegistry(legiontest.WithSeed(demoSeed(time.Now())))
		if err != nil {
			fmt.Fprintln(stderr, "dashboard: demo registry:", err)
			return 1
		}
		demo := httptest.NewServer(reg)
		defer demo.Close()
		opts = append(opts, legion.WithBaseURL(demo.URL+legiontest.BasePath))
		fmt.Fprintln(stderr, "dashboard: LEGION_REGISTRY is not set: serving a demo registry at", demo.URL+legiontest.BasePath)
	}
	c, err := legion.NewClient(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 2
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	}
	srv := newServer(c, *ttl, log)
	srv.cache.maxBytes = *cacheBytes
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "dashboard: http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		fmt.Fprintln(stderr, "dashboard: shutdown:", err)
		return 1
	}
	return 0
}
