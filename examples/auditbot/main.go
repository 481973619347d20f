// Command auditbot is a CI step: it reads a project's legion.json, audits
// its dependencies against the Legion registry's advisories and prints a
// JSON report on stdout.
//
//	go run ./examples/auditbot -manifest legion.json -fail-on moderate
//
// Exit status: 0 when no advisory reaches -fail-on, 1 when one does, 2 when
// the audit could not run (bad flags, an unreadable manifest, an invalid
// range, a registry error). Dependencies the registry could not check (an
// unknown package) are listed under "problems" and do not fail the build.
// The registry is -registry, else $LEGION_REGISTRY, else the public one.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	legion "github.com/legion-registry/legion-go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// severities in increasing order.
var severities = []legion.Severity{legion.SeverityLow, legion.SeverityModerate, legion.SeverityHigh, legion.SeverityCritical}

func rank(s legion.Severity) int {
	for i, x := range severities {
		if x == s {
			return i
		}
	}
	return len(severities) // unknown: treat as worse than critical
}

// Report is what auditbot prints.
type Report struct {
	Manifest   string                `json:"manifest"`
	Registry   string                `json:"registry"`
	Scanned    int                   `json:"scanned"`
	FailOn     legion.Severity       `json:"failOn"`
	Failed     bool                  `json:"failed"` // an advisory reaches FailOn
	Advisories []legion.Advisory     `json:"advisories"`
	Problems   []legion.AuditProblem `json:"problems"`
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("auditbot", flag.ContinueOnError)
	fl.SetOutput(stderr)
	manifest := fl.String("manifest", "legion.json", "the project's `legion.json`")
	registry := fl.String("registry", "", "registry base `URL` (default $LEGION_REGISTRY, then the public registry)")
	failOn := fl.String("fail-on", "low", "lowest `severity` that fails the build: low, moderate, high or critical")
	timeout := fl.Duration("timeout", time.Minute, "give up after this `long`")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() > 0 || rank(legion.Severity(*failOn)) == len(severities) {
		fmt.Fprintf(stderr, "auditbot: -fail-on must be low, moderate, high or critical\n")
		fl.Usage()
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "auditbot:", err)
		return 2
	}

	deps, err := readDependencies(*manifest)
	if err != nil {
		return fail(err)
	}
	base := firstNonEmpty(*registry, getenv("LEGION_REGISTRY"), legion.DefaultBaseURL)
	c, err := legion.NewClient(legion.WithBaseURL(base), legion.WithUserAgent("auditbot/1.0"))
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	audit, err := c.Audit(ctx, deps)
	if err != nil {
		return fail(err)
	}

	rep := Report{
		Manifest: *manifest, Registry: base, Scanned: audit.Scanned, FailOn: legion.Severity(*failOn),
		Advisories: audit.Advisories, Problems: audit.Problems,
	}
	if rep.Advisories == nil {
		rep.Advisories = []legion.Advisory{}
	}
	if rep.Problems == nil {
		rep.Problems = []legion.AuditProblem{}
	}
	failing := 0
	for _, a := range rep.Advisories {
		if rank(a.Severity) >= rank(rep.FailOn) {
			failing++
		}
	}
	rep.Failed = failing > 0
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // ranges such as <1.2.1 stay readable
	if err := enc.Encode(rep); err != nil {
		return fail(err)
	}
	if rep.Failed {
		fmt.Fprintf(stderr, "auditbot: %d advisory(ies) at or above %s\n", failing, rep.FailOn)
		return 1
	}
	return 0
}

// readDependencies reads the "dependencies" object of a legion.json.
func readDependencies(name string) (map[string]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Dependencies == nil {
		m.Dependencies = map[string]string{}
	}
	return m.Dependencies, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
