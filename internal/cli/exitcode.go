package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/textsafe"
)

// Exit codes. They are part of the command's interface (scripts and CI
// branch on them) and are listed in `legion --help`.
const (
	ExitOK        = 0 // success
	ExitError     = 1 // any other failure
	ExitUsage     = 2 // bad command line or invalid argument
	ExitAuth      = 3 // not logged in, bad token, or not allowed (401, 403)
	ExitNotFound  = 4 // package, version or user does not exist (404, no matching version)
	ExitConflict  = 5 // version already published (409) or dependency conflict
	ExitRateLimit = 6 // rate limited (429) after retries
	ExitAdvisory  = 7 // audit found advisories at or above the chosen level
	ExitIntegrity = 8 // what the registry serves for a locked version is not what legion.lock records
	// A run stopped by a signal exits 128 + the signal's number: 130 on
	// SIGINT, 143 on SIGTERM.
	ExitInterrupted = 130
	ExitTerminated  = 143
)

const exitCodeHelp = `Exit codes:
    0  success
    1  other error
    2  usage: bad command line or invalid argument
    3  authentication or permission: not logged in, bad token, forbidden (401, 403)
    4  not found: package, version or user (404), or no version satisfies a range
    5  conflict: version already published (409), or dependencies that cannot agree
    6  rate limited (429) after retries
    7  audit found advisories
    8  integrity: the registry serves a locked version with other content than
       legion.lock records (the version was changed or republished)
  130  interrupted (SIGINT, Ctrl-C), after a clean stop
  143  terminated (SIGTERM: CI cancellation, timeout, docker stop), after a clean stop
`

// Sentinels of the CLI's own failures, matched with errors.Is.
var (
	// ErrUsage marks a bad command line.
	ErrUsage = errors.New("usage")
	// ErrDependencyConflict marks ranges on one package that no published
	// version satisfies together (flat layout: one version per name).
	ErrDependencyConflict = errors.New("dependency conflict")
	// ErrAdvisories marks an audit that found advisories.
	ErrAdvisories = errors.New("advisories found")
)

// InterruptError is the cause a signal gives the context of Main: the
// command stops as cleanly as on any cancellation, and exits with Code.
type InterruptError struct {
	Signal os.Signal
	Code   int
}

func (e *InterruptError) Error() string { return "interrupted by " + signalName(e.Signal) }

// Interrupted is the cancellation cause for sig (SIGINT or SIGTERM).
func Interrupted(sig os.Signal) error {
	code := ExitInterrupted
	if sig == syscall.SIGTERM {
		code = ExitTerminated
	}
	return &InterruptError{Signal: sig, Code: code}
}

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// errHelp is returned after help was printed on request; it exits 0.
var errHelp = errors.New("help requested")

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return ExitOK
	case errors.Is(err, ErrUsage), errors.Is(err, legion.ErrInvalidArgument):
		return ExitUsage
	case errors.Is(err, ErrAdvisories):
		return ExitAdvisory
	case errors.Is(err, ErrIntegrity):
		return ExitIntegrity
	case errors.Is(err, legion.ErrUnauthorized), // ErrNoToken matches it too
		errors.Is(err, legion.ErrNoToken),
		errors.Is(err, legion.ErrForbidden):
		return ExitAuth
	case errors.Is(err, legion.ErrNotFound), errors.Is(err, legion.ErrNoMatchingVersion):
		return ExitNotFound
	case errors.Is(err, legion.ErrConflict), errors.Is(err, ErrDependencyConflict):
		return ExitConflict
	case errors.Is(err, legion.ErrRateLimited):
		return ExitRateLimit
	}
	return ExitError
}

// usagef returns a usage error (exit 2).
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

// opError names what failed; its text is "<op>: <cause>", where a registry
// error is reduced to the registry's message (the URL and method are noise
// on a terminal, and --json users get the code from the exit status).
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + describe(e.err) }
func (e *opError) Unwrap() error { return e.err }

// wrap returns err with op in front, or nil.
func wrap(err error, op string, args ...any) error {
	if err == nil {
		return nil
	}
	if len(args) > 0 {
		op = fmt.Sprintf(op, args...)
	}
	return &opError{op: op, err: err}
}

// hintError adds advice to an error without hiding it from errors.Is.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return describe(e.err) + " (" + e.hint + ")" }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// describe renders an error for the one-line message, without the
// "legion: " prefixes that the SDK's own errors carry.
func describe(err error) string {
	var ae *legion.Error
	var oe *opError
	var he *hintError
	switch {
	case errors.As(err, &oe) && oe == err:
		return oe.Error()
	case errors.As(err, &he) && he == err:
		return he.Error()
	case errors.As(err, &ae) && ae == err:
		msg := ae.Message
		if msg == "" {
			msg = fmt.Sprintf("%d %s", ae.StatusCode, http.StatusText(ae.StatusCode))
		}
		if ae.StatusCode == http.StatusTooManyRequests && ae.RetryAfter > 0 {
			// The wait, once: the server's text often states it too.
			return fmt.Sprintf("rate limited by the registry; retry in %s", roundWait(ae.RetryAfter))
		}
		if ae.RetryAfter > 0 {
			msg += fmt.Sprintf(" (retry after %s)", roundWait(ae.RetryAfter))
		}
		return msg
	case err == legion.ErrNoToken:
		return errNotLoggedIn.Error()
	case isDialError(err):
		var ue *url.Error
		where := "the registry"
		if errors.As(err, &ue) {
			where += " at " + registryOf(ue.URL)
		}
		var oe *net.OpError
		errors.As(err, &oe)
		return fmt.Sprintf("cannot reach %s (%v); choose another with --registry URL or LEGION_REGISTRY", where, oe.Err)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	// Errors that wrap a registry error (fmt.Errorf("…: %w", apiErr)) keep
	// their text; only the leading "legion: " is dropped.
	return strings.TrimPrefix(err.Error(), "legion: ")
}

// maxExplanationLines is how much of a solver's explanation stderr gets.
const maxExplanationLines = 80

// errorLine is the single stderr line for err; what the registry said in it
// is made safe for a terminal.
func errorLine(err error) string {
	s := textsafe.Text(describe(err))
	var se *SolveError
	if errors.As(err, &se) {
		// A solver's explanation keeps its lines (and their indentation);
		// each is still flattened, whatever the registry sent.
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			indent := len(l) - len(strings.TrimLeft(l, " "))
			lines[i] = strings.Repeat(" ", indent) + strings.Join(strings.Fields(l), " ")
		}
		// A proof of a pathological conflict can run to tens of thousands
		// of lines; a terminal gets its beginning and its conclusion.
		if len(lines) > maxExplanationLines {
			keep := maxExplanationLines / 2
			cut := len(lines) - 2*keep
			lines = append(append(lines[:keep:keep],
				fmt.Sprintf("    … %d more lines of the derivation (--json prints all of it) …", cut)),
				lines[len(lines)-keep:]...)
		}
		return "legion: " + strings.Join(lines, "\n")
	}
	s = strings.Join(strings.Fields(s), " ") // one line, whatever the server sent
	return "legion: " + s
}

func isDialError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// registryOf is the registry base URL of a request URL.
func registryOf(u string) string {
	if i := strings.Index(u, "/api/v1"); i >= 0 {
		return u[:i+len("/api/v1")]
	}
	return u
}

// roundWait prints a wait as people read it: "8s", "1m", "1h".
func roundWait(d time.Duration) string {
	if d >= 100*365*24*time.Hour {
		return "a very long time"
	}
	d = d.Round(time.Second)
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
