package cli

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/legion-registry/legion-go/internal/solver"
)

// jsonError is how a command run with --json reports its failure on
// stdout, as {"error":{…}}, besides the line on stderr: a pipeline that
// reads stdout (`legion pkg audit --json | jq`) never gets empty input.
type jsonError struct {
	Code     string `json:"code"`     // exitCodeNames[ExitCode]
	ExitCode int    `json:"exitCode"` // the process's exit status
	Message  string `json:"message"`  // the stderr line, without "legion: "
	// Derivation is a resolution's proof that no set of versions works
	// (the explanation's steps and sentences), for a *SolveError.
	Derivation *solver.Derivation `json:"derivation,omitempty"`
}

// exitCodeNames are the codes of jsonError, one per exit code.
var exitCodeNames = map[int]string{
	ExitError:       "error",
	ExitUsage:       "usage",
	ExitAuth:        "auth",
	ExitNotFound:    "not_found",
	ExitConflict:    "conflict",
	ExitRateLimit:   "rate_limited",
	ExitAdvisory:    "advisories",
	ExitIntegrity:   "integrity",
	ExitInterrupted: "interrupted",
	ExitTerminated:  "terminated",
}

// newJSONError describes err, which exits with code; nil for no error.
func newJSONError(err error, code int) *jsonError {
	if err == nil {
		return nil
	}
	name, ok := exitCodeNames[code]
	if !ok {
		name = "error"
	}
	// Exact, as JSON: the terminal-safe form is the stderr line's.
	je := &jsonError{Code: name, ExitCode: code, Message: strings.Join(strings.Fields(describe(err)), " ")}
	var se *SolveError
	if errors.As(err, &se) {
		je.Derivation = se.Failure.Derivation()
	}
	return je
}

// writeJSONError prints {"error":{…}} for err on w.
func writeJSONError(w io.Writer, err error, code int) error {
	return writeJSON(w, struct {
		Error *jsonError `json:"error"`
	}{newJSONError(err, code)})
}

// jsonFlagIn reports whether args ask for --json before any "--", for a
// command line that failed to parse.
func jsonFlagIn(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		if b, err := strconv.ParseBool(val); !hasVal || err == nil && b {
			return true
		}
	}
	return false
}

// countingWriter remembers whether anything was written, so that a
// failed --json command whose result is already out (with its error in
// it) does not get a second document.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
