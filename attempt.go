package legion

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Attempt describes one request the client sent, as WithAttemptHook sees
// it: every attempt of every call, successful or not, so that request ids,
// retries and latencies can be logged or measured. It holds no credential:
// Header is a copy of the response's without Set-Cookie, Authorization and
// the like, token-shaped text is redacted from it and from Err, and URL
// never carries a token.
type Attempt struct {
	Method string
	URL    string
	// Number is 1 for the first attempt of a call, and 0 for a call the
	// rate-limit memory held before sending anything: RetryIn is then the
	// wait before it is sent, or Err why it is not sent at all.
	Number     int
	StatusCode int           // 0 when no response arrived
	RequestID  string        // the response's X-Request-Id (or Request-Id, CF-Ray)
	Duration   time.Duration // from sending to the end of the response body
	Header     http.Header   // the response's headers; nil when none arrived
	// RetryIn is the wait before the next attempt; zero when none follows.
	RetryIn time.Duration
	Err     error // the transport error, if the attempt got no response
}

// WithAttemptHook calls hook after every attempt that was sent, with the
// call's context, before any retry wait, and once for a call that a
// remembered rate limit holds back (Number 0). It runs on the calling
// goroutine, so it may be called concurrently from many goroutines: make
// it safe for that, and quick. A call refused for a bad argument is not
// reported.
//
// For tracing, pass an OpenTelemetry-instrumented client instead:
// WithHTTPClient(&http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)})
// makes a span of every attempt, retries included.
func WithAttemptHook(hook func(ctx context.Context, a Attempt)) Option {
	return func(c *config) error {
		c.attemptHook = hook
		return nil
	}
}

// report tells the hook and the logger about the attempt just made.
func (cl *call) report(ctx context.Context, resp *http.Response, err error, retry bool, reason string) {
	cfg := &cl.c.cfg
	if cfg.attemptHook == nil && cfg.logger == nil {
		return
	}
	a := Attempt{
		Method:   cl.method,
		URL:      cl.url,
		Number:   cl.attempts,
		Duration: time.Since(cl.start),
		Err:      err,
	}
	if resp != nil {
		a.StatusCode = resp.StatusCode
		a.Header = safeHeader(resp.Header)
		a.RequestID = requestID(resp.Header)
	}
	if retry {
		a.RetryIn = cl.wait
	}
	if cfg.attemptHook != nil {
		cfg.attemptHook(ctx, a)
	}
	if l := cfg.logger; l != nil {
		attrs := []slog.Attr{
			slog.String("method", a.Method), slog.String("url", a.URL),
			slog.Int("attempt", a.Number), slog.Int("status", a.StatusCode),
			slog.String("request_id", a.RequestID), slog.Duration("duration", a.Duration),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		l.LogAttrs(ctx, slog.LevelDebug, "legion: attempt", attrs...)
		if retry {
			if reason == "" && resp != nil {
				reason = statusLine(resp.StatusCode)
			}
			l.LogAttrs(ctx, slog.LevelInfo, "legion: retrying",
				slog.String("method", a.Method), slog.String("url", a.URL),
				slog.String("reason", reason), slog.Duration("wait", a.RetryIn),
				slog.Int("attempt", a.Number))
		}
	}
}

// safeHeader is a copy of h without the headers that carry credentials
// (cookies, authorization) and with token-shaped text redacted (a Location
// echoing the token, say).
func safeHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		switch k {
		case "Set-Cookie", "Cookie", "Authorization", "Proxy-Authorization":
			continue
		}
		if hasTokenPrefix(k) { // a token echoed as a header name
			continue
		}
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = redactTokens(v)
		}
		out[k] = cp
	}
	return out
}

// reportHeld tells the hook and the logger about a call the rate-limit
// memory held before sending: an Attempt with Number 0, no status, and
// the wait in RetryIn (or, for a call refused, the error in Err).
func (c *Client) reportHeld(ctx context.Context, method, u string, wait time.Duration, err error) {
	if hook := c.cfg.attemptHook; hook != nil {
		hook(ctx, Attempt{Method: method, URL: u, RetryIn: wait, Err: err})
	}
	if l := c.cfg.logger; l != nil && err == nil {
		l.LogAttrs(ctx, slog.LevelInfo, "legion: held by the rate limit",
			slog.String("method", method), slog.String("url", u), slog.Duration("wait", wait))
	}
}

// logFailure logs a call's final failure at Warn.
func (c *Client) logFailure(ctx context.Context, method, u string, err error) {
	if c.cfg.logger == nil || err == nil {
		return
	}
	c.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "legion: request failed",
		slog.String("method", method), slog.String("url", u), slog.String("error", err.Error()))
}
