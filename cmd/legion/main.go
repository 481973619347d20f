// Command legion is the command-line client of the Legion package registry:
// `legion pkg install`, `publish`, `login`, `audit` and the rest. Run
// `legion --help` for the commands and their exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/legion-registry/legion-go/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second interrupt ends the process at once
	}()
	env, err := cli.OSEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "legion:", err)
		os.Exit(cli.ExitError)
	}
	code := cli.Main(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
