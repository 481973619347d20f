package legion

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Option configures a Client; an option that is given an invalid value makes
// NewClient (or With) fail.
type Option func(*config) error

// WithBaseURL sets the registry's base URL, e.g. "http://127.0.0.1:8080/api/v1".
func WithBaseURL(baseURL string) Option {
	return func(c *config) error {
		c.baseURL = baseURL
		return nil
	}
}

// WithToken sets the bearer token sent with every request. It must start
// with "lgn_"; the error never repeats the value.
func WithToken(token string) Option {
	return func(c *config) error {
		if err := validateToken(token); err != nil {
			return err
		}
		c.token = NewSecret(token)
		return nil
	}
}

// WithoutToken removes the token, for a derived anonymous client.
func WithoutToken() Option {
	return func(c *config) error {
		c.token = Secret{}
		return nil
	}
}

func validateToken(token string) error {
	rest, ok := strings.CutPrefix(token, "lgn_")
	if !ok || rest == "" {
		return &ArgumentError{Arg: "token", Reason: `must start with "lgn_"`}
	}
	for _, r := range rest {
		if r <= ' ' || r >= 0x7f {
			return &ArgumentError{Arg: "token", Reason: "contains a character that cannot be sent in a header"}
		}
	}
	return nil
}

// WithHTTPClient sets the http.Client that carries requests (its Transport,
// Timeout and Jar are used; its CheckRedirect is
// consulted only for a redirect the SDK would follow, see ErrRedirect). The SDK never closes its idle
// connections, so it may be shared.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &ArgumentError{Arg: "http client", Reason: "must not be nil"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent puts product in front of the SDK's own User-Agent,
// e.g. "release-bot/2.1 legion-go/0.1.0".
func WithUserAgent(product string) Option {
	return func(c *config) error {
		if strings.TrimSpace(product) == "" || strings.ContainsAny(product, "\r\n\x00") {
			return &ArgumentError{Arg: "user agent", Reason: "must be non-empty text on one line"}
		}
		c.userAgent = product
		return nil
	}
}

// WithLogger logs through l, with the call's context (LogAttrs): every
// attempt at Debug, every retry with its reason and wait at Info, and a
// call's final failure at Warn. Without it (or with nil) the client logs
// nothing. No record holds a token.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithMaxAttempts sets how many times a request may be sent in all,
// counting the first (default 4); 1 turns retries off.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 100 {
			return &ArgumentError{Arg: "max attempts", Reason: "must be between 1 and 100"}
		}
		c.maxAttempts = n
		return nil
	}
}

// WithRetryWait sets the backoff bounds (defaults 250ms and 10s). min is the
// first backoff step; max caps every wait, including one a Retry-After header
// asks for: a longer demand ends the call at once with ErrRateLimited.
func WithRetryWait(min, max time.Duration) Option {
	return func(c *config) error {
		if min <= 0 || max < min {
			return &ArgumentError{Arg: "retry wait", Reason: "need 0 < min <= max"}
		}
		c.minWait, c.maxWait = min, max
		return nil
	}
}

// WithTimeout bounds each attempt, from dialling to the last byte of the
// answer (default 30s): a registry that accepts and never answers, or
// stalls in the middle of a body, fails the attempt with an error matching
// context.DeadlineExceeded. A timed-out GET is retried; a timed-out POST is
// not, since the server may have acted on it. The context's deadline still
// bounds the whole call.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &ArgumentError{Arg: "timeout", Reason: "must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithInsecureHTTP allows a token (and Login's or Signup's password) to go
// over plain http:// to a host that is not loopback. Without it, NewClient
// refuses such a base URL with a token, and Login and Signup refuse to send
// a password there. The risk: anyone on the path — a proxy, a shared
// network — reads the bearer token and can publish as you. Use it only on a
// network you trust end to end; loopback needs no opt-in.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecureHTTP = true
		return nil
	}
}
