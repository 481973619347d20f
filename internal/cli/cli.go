// Package cli implements the legion command: `legion pkg …`, the command-line
// client of the Legion package registry, built on the public SDK.
//
// Everything the commands touch outside the process (standard streams,
// environment, working directory, HTTP transport) comes in through [Env], so
// tests run commands in-process as well as through the built binary.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/textsafe"
)

// Env is the world a command runs in.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LookupEnv reads an environment variable (os.LookupEnv in main).
	LookupEnv func(string) (string, bool)
	// Dir is the working directory: the project's root.
	Dir string
	// HTTPClient carries the registry requests; nil for the SDK's default.
	HTTPClient *http.Client
}

// OSEnv is the Env of the running process.
func OSEnv() (Env, error) {
	dir, err := os.Getwd()
	if err != nil {
		return Env{}, err
	}
	return Env{
		Stdin:     os.Stdin,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		LookupEnv: os.LookupEnv,
		Dir:       dir,
	}, nil
}

// requestTimeout bounds each HTTP attempt (retries get their own).
const requestTimeout = 60 * time.Second

// app is one invocation.
type app struct {
	mu       sync.Mutex // serializes notices from concurrent requests
	env      Env
	stdout   io.Writer
	stderr   io.Writer
	registry string // global --registry
	// json is set when the command runs with --json; stdout then counts
	// what it writes (see jsonError).
	json       bool
	jsonStdout *countingWriter
}

// command is one `legion pkg` subcommand.
type command struct {
	name    string
	aliases []string // npm's short names: i, rm, ls
	args    string   // synopsis after the name
	summary string
	help    string // long description, shown by --help
	run     func(a *app, ctx context.Context, fs *flagSet, args []string) error
}

// commands in the order `legion --help` lists them.
var commands = []*command{
	initCmd, installCmd, updateCmd, removeCmd, listCmd, whyCmd, outdatedCmd, searchCmd, infoCmd,
	publishCmd, signupCmd, loginCmd, whoamiCmd, logoutCmd, auditCmd, cacheCmd,
}

func findCommand(name string) *command {
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == name || slices.Contains(c.aliases, name) })
	if i < 0 {
		return nil
	}
	return commands[i]
}

// unknownCommand is the usage error for a mistyped command, suggesting the
// nearest one ("instal" → "install") when one is close.
func unknownCommand(name string) error {
	best, bestD := "", 3 // suggest only within two edits
	for _, c := range commands {
		for _, n := range append([]string{c.name}, c.aliases...) {
			if d := editDistance(name, n); d < bestD {
				best, bestD = c.name, d
			}
		}
	}
	if best != "" {
		return usagef("unknown command %q; did you mean 'legion pkg %s'?", "pkg "+name, best)
	}
	return usagef("unknown command %q", "pkg "+name)
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Main runs the legion command with args (without the program name) and
// returns the process exit code. Errors are printed to env.Stderr as one
// line: "legion: <what failed>: <why>".
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.LookupEnv == nil {
		env.LookupEnv = func(string) (string, bool) { return "", false }
	}
	if env.Dir == "" {
		env.Dir = "."
	}
	a := &app{env: env, stdout: env.Stdout, stderr: env.Stderr}
	err := a.main(ctx, args)
	code := ExitCode(err)
	var ie *InterruptError
	if err != nil && errors.As(context.Cause(ctx), &ie) {
		code = ie.Code // whatever failed, it failed because of the signal
	}
	if err != nil && !errors.Is(err, errHelp) {
		if a.json && a.jsonStdout.n == 0 {
			writeJSONError(a.jsonStdout, err, code)
		}
		fmt.Fprintln(a.stderr, errorLine(err))
		if errors.Is(err, ErrUsage) {
			fmt.Fprintln(a.stderr, "Run 'legion --help' for usage.")
		}
	}
	return code
}

const mainHelp = `legion is the command-line client of the Legion package registry.

Usage:
  legion [--registry URL] pkg <command> [flags] [arguments]
  legion --version
  legion --help | legion pkg <command> --help

Commands:
%s
Global flags:
  --registry URL  registry base URL (default: $LEGION_REGISTRY, then the one
                  you logged in to, then %s)
  --version       print the version and exit
  --help          print this help

Environment:
  LEGION_TOKEN     API token (lgn_…); overrides the stored credentials
  LEGION_REGISTRY  registry base URL; --registry overrides it

Credentials are stored by 'legion pkg login' in
<user config dir>/legion/credentials.json (mode 0600). A stored token is sent
only to the registry it was stored for. When that file cannot be read
(corrupt, unreadable), commands that need no token (install, update, remove,
audit, outdated, info, search) print a warning and go on without it; whoami
and publish fail, naming the file.

Text from the registry (descriptions, readmes, names, advisory titles, error
messages) is printed with what a terminal would act on made visible: control
characters, escape sequences and bidirectional overrides appear as \x1b,
\u202e and so on. --json prints it exactly, as JSON escapes.

With --json, a failure prints {"error":{"code":"…","exitCode":N,"message":"…"}}
on stdout besides the line on stderr (a command whose result was already
printed, as audit's and list's, carries "error" in it), so a pipe such as
'legion pkg audit --json | jq' never reads empty input. The codes, by exit
status: error, usage, auth, not_found, conflict, rate_limited, advisories,
integrity, interrupted, terminated.

Flags may come before or after arguments; '--' ends the flags.

` + exitCodeHelp

func (a *app) printMainHelp(w io.Writer) {
	var b strings.Builder
	t := newTable(&b)
	for _, c := range commands {
		summary := c.summary
		if len(c.aliases) > 0 {
			summary += " (alias: " + strings.Join(c.aliases, ", ") + ")"
		}
		t.row("  "+c.name+" "+c.args, summary)
	}
	t.flush()
	fmt.Fprintf(w, mainHelp, b.String(), legion.DefaultBaseURL)
}

func (a *app) main(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("legion", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	version := fs.Bool("version", false, "")
	fs.StringVar(&a.registry, "registry", "", "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			a.printMainHelp(a.stdout)
			return errHelp
		}
		return usagef("%v", err)
	}
	if *version {
		fmt.Fprintf(a.stdout, "legion %s\n", legion.SDKVersion)
		return nil
	}
	rest := fs.Args()
	if len(rest) == 0 {
		a.printMainHelp(a.stdout) // bare `legion`, as npm and cargo do
		return errHelp
	}
	switch rest[0] {
	case "pkg":
		rest = rest[1:]
	case "help":
		return a.help(rest[1:])
	case "version":
		fmt.Fprintf(a.stdout, "legion %s\n", legion.SDKVersion)
		return nil
	default:
		if findCommand(rest[0]) != nil {
			return usagef("unknown command %q (did you mean 'legion pkg %s'?)", rest[0], rest[0])
		}
		return usagef("unknown command %q", rest[0])
	}
	if len(rest) == 0 {
		return usagef("no pkg command given")
	}
	if rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help" {
		return a.help(rest[1:])
	}
	cmd := findCommand(rest[0])
	if cmd == nil {
		return unknownCommand(rest[0])
	}
	if cmd.name != "init" {
		// From a subdirectory, the project is the nearest legion.json up
		// the tree, as npm and cargo find theirs.
		a.env.Dir = projectRoot(a.env.Dir)
	}
	return cmd.run(a, ctx, a.flags(cmd), rest[1:])
}

// help prints `legion --help` or one command's help.
func (a *app) help(args []string) error {
	if len(args) > 0 && args[0] == "pkg" {
		args = args[1:]
	}
	if len(args) == 0 {
		a.printMainHelp(a.stdout)
		return errHelp
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		return usagef("unknown command %q", args[0])
	}
	return cmd.run(a, context.Background(), a.flags(cmd), []string{"--help"})
}

// progressf prints a notice line on stderr, on a terminal or not (a CI log
// should show why a job paused, too).
func (a *app) progressf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintln(a.stderr, "legion: "+textsafe.Text(fmt.Sprintf(format, args...)))
}

// projectRoot is the nearest directory from dir upwards that holds a
// legion.json, or dir itself when none does (the command then says how to
// start a project).
func projectRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, manifestFile)); err == nil {
			if d == abs {
				return dir
			}
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
