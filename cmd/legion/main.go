// Command legion is the command-line client of the Legion package registry:
// `legion pkg install`, `publish`, `login`, `audit` and the rest. Run
// `legion --help` for the commands and their exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/legion-registry/legion-go/internal/cli"
)

func main() {
	// SIGINT (Ctrl-C) and SIGTERM (CI cancellation, timeout, docker stop)
	// both stop the command cleanly: the context is cancelled with the
	// signal as its cause, and the exit code is 128 + its number.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cancel(cli.Interrupted(sig))
		signal.Stop(sigs) // a second signal ends the process at once
	}()
	env, err := cli.OSEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "legion:", err)
		os.Exit(cli.ExitError)
	}
	code := cli.Main(ctx, os.Args[1:], env)
	signal.Stop(sigs)
	os.Exit(code)
}
