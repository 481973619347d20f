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
	publishCmd, signupCmd, loginCmd, whoamiCmd, logoutCmd, auditCmd,
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
only to the registry it was stored for.

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

// flagSet is a command's flags, with the shared ones (--registry, --json)
// added on request.
type flagSet struct {
	*flag.FlagSet
	cmd      *command
	registry string
	json     bool
}

func (a *app) flags(cmd *command) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet("legion pkg "+cmd.name, flag.ContinueOnError), cmd: cmd}
	fs.SetOutput(io.Discard)
	return fs
}

func (fs *flagSet) withRegistry() *flagSet {
	fs.StringVar(&fs.registry, "registry", "", "registry base `URL` (overrides $LEGION_REGISTRY and the stored one)")
	return fs
}

func (fs *flagSet) withJSON() *flagSet {
	fs.BoolVar(&fs.json, "json", false, "print JSON instead of text")
	return fs
}

// parse parses flags and arguments in any order ("install a --json b"),
// with "--" ending the flags. On -h/--help it prints the command's help to
// stdout and returns errHelp.
func (a *app) parse(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			a.printCommandHelp(a.stdout, fs)
			return nil, errHelp
		}
		if err != nil {
			return nil, usagef("pkg %s: %v", fs.cmd.name, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// flag.Parse stops at "--" (dropping it) or at the first argument.
		consumed := args[:len(args)-len(rest)]
		if len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if fs.registry == "" {
		fs.registry = a.registry
	}
	return pos, nil
}

func (a *app) printCommandHelp(w io.Writer, fs *flagSet) {
	c := fs.cmd
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", strings.TrimSpace("legion pkg "+c.name+" "+c.args), strings.TrimSpace(c.help))
	var b strings.Builder
	t := newTable(&b)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		name := "  --" + f.Name
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" {
			usage += " (default " + f.DefValue + ")"
		}
		t.row(name, usage)
	})
	t.flush()
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}

// client builds the SDK client for a command. needToken makes the absence
// of a token an error before any request (exit 3).
func (a *app) client(registryFlag string, needToken bool) (*legion.Client, *session, error) {
	s, err := a.resolveSession(registryFlag)
	if err != nil {
		return nil, nil, err
	}
	if needToken && s.token == "" {
		return nil, nil, errNotLoggedIn
	}
	c, err := a.clientFor(s.registry, s.token, s.tokenSource)
	return c, s, err
}

// errNotLoggedIn is legion.ErrNoToken in words for someone at a shell.
var errNotLoggedIn error = notLoggedIn{}

type notLoggedIn struct{}

func (notLoggedIn) Error() string {
	return "not logged in: run 'legion pkg login' or set LEGION_TOKEN"
}
func (notLoggedIn) Is(target error) bool {
	return target == legion.ErrNoToken || target == legion.ErrUnauthorized
}

func (a *app) clientFor(registry, token, tokenSource string) (*legion.Client, error) {
	opts := []legion.Option{
		legion.WithBaseURL(registry),
		legion.WithUserAgent("legion-cli/" + legion.SDKVersion),
	}
	if token != "" {
		opts = append(opts, legion.WithToken(token))
	}
	// A registry that stops answering should not hang a terminal or a CI
	// job forever; each attempt gets this long.
	opts = append(opts, legion.WithTimeout(requestTimeout), legion.WithAttemptHook(a.onAttempt))
	if hc := a.env.HTTPClient; hc != nil {
		opts = append(opts, legion.WithHTTPClient(hc))
	}
	c, err := legion.NewClient(opts...)
	if err != nil {
		var ae *legion.ArgumentError
		if token != "" && errors.As(err, &ae) && ae.Arg == "token" {
			if tokenSource == "" {
				tokenSource = "the token"
			}
			return nil, fmt.Errorf("%s is not a Legion token (lgn_…): %w", tokenSource, errMalformedToken)
		}
		return nil, err
	}
	return c, nil
}

// reloginHint advises logging in again when the registry refused the token
// (401); the token's source decides the advice.
func reloginHint(err error, s *session) error {
	if !errors.Is(err, legion.ErrUnauthorized) || errors.Is(err, legion.ErrNoToken) {
		return err
	}
	if s != nil && s.tokenSource == "LEGION_TOKEN" {
		return withHint(err, "check LEGION_TOKEN")
	}
	return withHint(err, "log in again with 'legion pkg login'")
}

// errMalformedToken is an authentication failure (exit 3): the token could
// never be valid.
var errMalformedToken = &malformedTokenErr{}

type malformedTokenErr struct{}

func (*malformedTokenErr) Error() string        { return "malformed token" }
func (*malformedTokenErr) Is(target error) bool { return target == legion.ErrUnauthorized }

// onAttempt tells the user, once per wait, that the registry rate-limited
// the command and when it will try again: a silent pause looks like a hang.
func (a *app) onAttempt(_ context.Context, at legion.Attempt) {
	if at.StatusCode == http.StatusTooManyRequests && at.RetryIn > 0 {
		a.progressf("rate limited, retrying in %s", roundWait(at.RetryIn))
	}
}

// progressf prints a notice line on stderr, on a terminal or not (a CI log
// should show why a job paused, too).
func (a *app) progressf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.stderr, "legion: "+format+"\n", args...)
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
