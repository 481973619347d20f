package legion

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/legion-registry/legion-go/internal/textsafe"
)

// Error is what every method returns when the registry answers with a status
// outside 2xx, or with a 2xx whose body is not a valid answer (then it
// matches ErrInvalidResponse and no status sentinel, and StatusCode is the
// 2xx: its RequestID is what a support ticket quotes), or with a redirect
// it did not follow (then it matches ErrRedirect). Compare it with the
// sentinels below using errors.Is, or read its fields with errors.As.
type Error struct {
	StatusCode int           // HTTP status of the last response
	Message    string        // the server's message, or an excerpt of a body that is not JSON (untrusted text: Error escapes its control characters)
	Method     string        // HTTP method
	URL        string        // request URL; it never carries credentials
	RequestID  string        // X-Request-Id (or Cloudflare's CF-Ray) when the server sent one
	RetryAfter time.Duration // from Retry-After, when the server sent it
	Attempts   int           // requests sent, counting retries

	invalid error // why the answer was refused: ErrInvalidResponse (wrapped) or ErrRedirect
}

// Unwrap gives ErrInvalidResponse (and its cause) for a refused 2xx answer,
// ErrRedirect for a redirect not followed.
func (e *Error) Unwrap() error { return e.invalid }

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "legion: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(textsafe.Line(e.Message))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", textsafe.Line(e.RequestID))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and friends compare the status alone.
func (e *Error) Is(target error) bool {
	s, ok := target.(statusSentinel)
	return ok && s.lo <= e.StatusCode && e.StatusCode <= s.hi
}

// statusSentinel is a value type so that the exported sentinels cannot be
// mutated by callers.
type statusSentinel struct {
	lo, hi int
	text   string
}

func (s statusSentinel) Error() string { return "legion: " + s.text }

// The sentinels of the reference's error table. ErrServer matches 500 and
// every other 5xx. Statuses the reference does not list (405, 413…) match no
// sentinel but are still an *Error.
var (
	ErrBadRequest   error = statusSentinel{400, 400, "bad request"}
	ErrUnauthorized error = statusSentinel{401, 401, "unauthorized"}
	ErrForbidden    error = statusSentinel{403, 403, "forbidden"}
	ErrNotFound     error = statusSentinel{404, 404, "not found"}
	ErrConflict     error = statusSentinel{409, 409, "conflict"}
	ErrRateLimited  error = statusSentinel{429, 429, "rate limited"}
	ErrServer       error = statusSentinel{500, 599, "server error"}
)

// errZeroClient is what every method of a Client not built by NewClient
// returns: a new value each time, so that no caller can change another's.
func errZeroClient() error {
	return &ArgumentError{Arg: "client", Reason: "not created with NewClient"}
}

// ErrInvalidArgument matches every *ArgumentError.
var ErrInvalidArgument = errors.New("legion: invalid argument")

// ErrInvalidResponse is wrapped by the error for a 2xx answer whose body
// cannot be decoded (or that says "success": false).
var ErrInvalidResponse = errors.New("legion: invalid response")

// ErrOutcomeUnknown matches the error of a call that changes something
// (a POST other than Audit) whose request may have reached the registry
// but whose answer never came: the connection dropped after the request
// was written, the attempt timed out, or the context ended mid-request.
// Such a call is not re-sent, since it may have acted. Find out before
// repeating it: for a token, ListTokens; for an unpublish, ListVersions;
// for signup, Login. Publish checks by itself and returns this only when
// that check could not be made; then look with ListVersions.
var ErrOutcomeUnknown = errors.New("legion: outcome unknown")

// outcomeError is the error matching ErrOutcomeUnknown: the failure that
// left the outcome open and, for Publish, why the check could not settle it.
type outcomeError struct {
	op    string // "POST https://…/tokens", "publish name@1.0.0"
	cause error
	check error // nil when no check was made
}

// outcome builds an outcomeError, keeping the first cause of an earlier one.
func outcome(op string, cause, check error) *outcomeError {
	var prev *outcomeError
	if errors.As(cause, &prev) {
		cause = prev.cause
	}
	return &outcomeError{op: op, cause: cause, check: check}
}

func (e *outcomeError) Error() string {
	s := "legion: " + e.op + ": outcome unknown, the request may have reached the registry: " + e.cause.Error()
	if e.check != nil {
		s += "; checking failed: " + e.check.Error()
	}
	return s
}

func (e *outcomeError) Unwrap() []error {
	errs := []error{ErrOutcomeUnknown, e.cause}
	if e.check != nil {
		errs = append(errs, e.check)
	}
	return errs
}

// ErrNoToken is returned, before any request, by a method that needs
// authentication on a client without a token. It also matches
// ErrUnauthorized, so callers handling "not logged in" need one check.
var ErrNoToken error = noTokenError{}

type noTokenError struct{}

func (noTokenError) Error() string {
	return "legion: this endpoint needs a token (use WithToken)"
}
func (noTokenError) Is(target error) bool { return target == ErrUnauthorized }

// ErrNoMatchingVersion is returned by Resolve when no published version
// satisfies the range.
var ErrNoMatchingVersion = errors.New("legion: no published version satisfies the range")

// ArgumentError reports an argument that cannot be valid; no request was sent.
type ArgumentError struct {
	Arg    string // the argument's name, e.g. "name", "version", "limit"
	Reason string
}

func (e *ArgumentError) Error() string {
	return "legion: invalid " + e.Arg + ": " + e.Reason
}

func (e *ArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

// tokenPattern finds anything token-shaped in text from the server, so that
// an error message echoing a credential cannot carry it further: "lgn_"
// and whatever follows up to a space, since a token may hold any printable
// character (validateToken). Case is ignored: a token upper-cased by the
// server (or lower-cased as a header name is) still gives most of it away.
var tokenPattern = regexp.MustCompile(`(?i)lgn_\S+`)

func redactTokens(s string) string {
	if !hasTokenPrefix(s) {
		return s
	}
	return tokenPattern.ReplaceAllString(s, "lgn_[redacted]")
}

// hasTokenPrefix reports "lgn_" in s in any case, without allocating.
func hasTokenPrefix(s string) bool {
	for i := strings.IndexByte(s, '_'); i >= 0; {
		if i >= 3 && strings.EqualFold(s[i-3:i], "lgn") {
			return true
		}
		j := strings.IndexByte(s[i+1:], '_')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// scrubbed returns err, or, when its text holds something token-shaped (a
// transport error quoting a header line or a Location), a copy of its chain
// in which every error whose text holds it is replaced: a *url.Error by
// one with the URL and inner error scrubbed (so that errors.As still finds
// one, and printing it leaks nothing), any other by a scrubbedError with
// the redacted text. Errors whose text holds no token stay as they are, so
// errors.Is(err, context.DeadlineExceeded) and errors.As for *net.OpError
// keep working.
func scrubbed(err error) error { return scrub(err, hasTokenPrefix, redactTokens) }

// scrub is scrubbed for any secret: has finds it in a text, redact cuts it out.
func scrub(err error, has func(string) bool, redact func(string) string) error {
	if err == nil || !has(err.Error()) {
		return err
	}
	switch e := err.(type) {
	case *url.Error:
		return &url.Error{Op: e.Op, URL: redact(e.URL), Err: scrub(e.Err, has, redact)}
	case *proxyError:
		return &proxyError{status: e.status, text: redact(e.text)}
	case interface{ Unwrap() []error }:
		var inner []error
		for _, x := range e.Unwrap() {
			inner = append(inner, scrub(x, has, redact))
		}
		return newScrubbedError(err, redact, inner)
	}
	var inner []error
	if x := errors.Unwrap(err); x != nil {
		inner = []error{scrub(x, has, redact)}
	}
	return newScrubbedError(err, redact, inner)
}

// scrubbedError stands for an error whose text held a token: the text
// redacted, the chain below it scrubbed in turn, and whether it was a
// timeout. It keeps nothing of the original that a printer walking it by
// reflection could reach.
type scrubbedError struct {
	text    string
	inner   []error
	timeout bool
}

func newScrubbedError(err error, redact func(string) string, inner []error) *scrubbedError {
	t, ok := err.(interface{ Timeout() bool })
	return &scrubbedError{text: redact(err.Error()), inner: inner, timeout: ok && t.Timeout()}
}

func (e *scrubbedError) Error() string   { return e.text }
func (e *scrubbedError) Unwrap() []error { return e.inner }

// Timeout keeps net.Error's answer for a timeout.
func (e *scrubbedError) Timeout() bool { return e.timeout }

// scrubValue cuts secret (a password the request carried) out of err's
// text, where a server's message or an excerpt of its answer may have
// repeated it: in the *Error's fields, which errors.As reaches, and in the
// text of whatever wraps it. A secret shorter than 4 bytes is left alone:
// cutting every "ab" out of a message would destroy it and hide little.
func scrubValue(err error, secret string) error {
	if err == nil || len(secret) < 4 || !strings.Contains(err.Error(), secret) {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		e.Message = strings.ReplaceAll(e.Message, secret, redacted)
		e.RequestID = strings.ReplaceAll(e.RequestID, secret, redacted)
		e.URL = strings.ReplaceAll(e.URL, secret, redacted)
	}
	// Anywhere else in the chain (not seen in practice), like a token.
	return scrub(err, func(s string) bool { return strings.Contains(s, secret) },
		func(s string) string { return strings.ReplaceAll(s, secret, redacted) })
}

// excerpt makes a short one-line summary of a body that is not JSON.
func excerpt(body []byte) string {
	const max = 160
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return redactTokens(s)
}

// parseRetryAfter reads Retry-After in both of its forms (delay-seconds and
// HTTP-date); ok is false when the header is absent or malformed.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		// A delay too large for a Duration means "too long", not "absent".
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// maxRetryAfter stands for a Retry-After too large to represent.
const maxRetryAfter = time.Duration(math.MaxInt64)

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
