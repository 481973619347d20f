// Command testing is a small release bot: it publishes the project in a
// directory (its legion.json and README.md) to the Legion registry unless
// that version is already published, and prints a JSON report.
//
//	LEGION_TOKEN=lgn_… go run ./examples/testing -dir path/to/project
//
// The logic lives in package releasebot; releasebot/releasebot_test.go is
// the point of this example: how to test code that uses the SDK with
// legiontest (a seeded server, injected faults, the request record, a
// manual clock).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/examples/testing/releasebot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("release-bot", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", ".", "project `directory` holding legion.json (and optionally README.md)")
	registry := fl.String("registry", "", "registry base `URL` (default $LEGION_REGISTRY, then the public registry)")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "release-bot:", err)
		return 1
	}
	req, err := readProject(*dir)
	if err != nil {
		return fail(err)
	}
	base := *registry
	if base == "" {
		base = getenv("LEGION_REGISTRY")
	}
	if base == "" {
		base = legion.DefaultBaseURL
	}
	if getenv("LEGION_TOKEN") == "" {
		return fail(errors.New("LEGION_TOKEN is not set"))
	}
	c, err := legion.NewClient(legion.WithBaseURL(base), legion.WithToken(getenv("LEGION_TOKEN")), legion.WithUserAgent("release-bot/1.0"))
	if err != nil {
		return fail(err)
	}
	rep, err := releasebot.Release(ctx, c, req)
	if err != nil {
		return fail(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.Encode(rep)
	return 0
}

// readProject reads legion.json (the CLI's manifest) and README.md.
func readProject(dir string) (legion.PublishRequest, error) {
	var m struct {
		Name         string            `json:"name"`
		Version      string            `json:"version"`
		Description  string            `json:"description"`
		License      string            `json:"license"`
		Keywords     []string          `json:"keywords"`
		Dependencies map[string]string `json:"dependencies"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "legion.json"))
	if err != nil {
		return legion.PublishRequest{}, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return legion.PublishRequest{}, fmt.Errorf("legion.json: %w", err)
	}
	if m.Name == "" || m.Version == "" {
		return legion.PublishRequest{}, errors.New("legion.json: name and version are required")
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return legion.PublishRequest{}, err
	}
	return legion.PublishRequest{
		Name: m.Name, Version: m.Version, Description: m.Description, License: m.License,
		Keywords: m.Keywords, Dependencies: m.Dependencies, Readme: string(readme),
	}, nil
}
