package legion

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// call is one method call's state across its attempts. Each call gets its
// own go-retryablehttp.Client (a small struct over the shared http.Client)
// whose policy and backoff are closures over the call: go-retryablehttp's
// CheckRetry does not see the request, and after a transport error its
// Backoff sees nothing at all.
type call struct {
	c          *Client
	method     string
	url        string
	idempotent bool          // safe to send again after a 5xx or a lost answer
	attempts   int           // requests sent so far
	wait       time.Duration // the next backoff, decided by checkRetry
	waitUntil  time.Time     // when that backoff ends, on the registry's clock
	start      time.Time     // when the current attempt was sent (real time)
	lastErr    error         // the last attempt's transport error
	lastAnswer *Error        // the last attempt's answer outside 2xx
	// lostAnswer records an attempt whose answer never came: the server
	// may have acted on it (a DELETE's retry may then find nothing).
	lostAnswer bool
}

func (c *Client) newCall(r request, u string) *call {
	return &call{
		c:          c,
		method:     r.method,
		url:        u,
		idempotent: r.safe || r.method == http.MethodGet || r.method == http.MethodDelete,
	}
}

// retryClient is go-retryablehttp configured for this call. Nothing is
// logged through go-retryablehttp: the call logs its own attempts through
// the caller's context (see attempt.go).
func (cl *call) retryClient() *retryablehttp.Client {
	cfg := &cl.c.cfg
	return &retryablehttp.Client{
		HTTPClient:   cl.c.hc,
		RetryWaitMin: cfg.minWait,
		RetryWaitMax: cfg.maxWait,
		RetryMax:     cfg.maxAttempts - 1,
		CheckRetry:   cl.checkRetry,
		Backoff:      cl.backoff,
		RequestLogHook: func(retryablehttp.Logger, *http.Request, int) {
			cl.start = time.Now()
		},
		// Keep the last response, so that the caller gets the real status
		// and message when retries run out.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// checkRetry narrows go-retryablehttp's default policy: a 429 is retried for
// every method, a 5xx or a transport error only when the request is safe to
// repeat (or never reached the server), and no wait may exceed the cap or
// the context's deadline. It then reports the attempt to the hook and the
// logger, knowing whether a retry follows.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl.attempts++
	now := cl.c.cfg.now() // one reading: others may move an injected clock
	retry, reason, perr := cl.decide(ctx, now, resp, err)
	cl.waitUntil = now.Add(cl.wait)
	if retry && cl.attempts >= cl.c.cfg.maxAttempts {
		retry = false // go-retryablehttp stops here whatever we say
	}
	err = scrubbed(err)
	cl.lastAnswer = nil
	if resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		// Kept so that a call cancelled in the backoff that follows
		// still says what the registry answered.
		var body []byte
		if bb, ok := resp.Body.(*bufferedBody); ok {
			body = bb.buf.Bytes()
		}
		cl.lastAnswer = cl.c.apiError(resp, cl.method, cl.url, body, cl.attempts)
	}
	cl.lastErr = err
	if err != nil {
		// A failure to connect reached nothing; any other may have.
		cl.lostAnswer = cl.lostAnswer || !neverSent(err)
	}
	cl.report(ctx, resp, err, retry, reason)
	return retry, perr
}

func (cl *call) decide(ctx context.Context, now time.Time, resp *http.Response, err error) (retry bool, reason string, _ error) {
	cfg := &cl.c.cfg
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
		// Remember the registry's demand for every client of this token
		// at this registry, whatever happens to this call; never for
		// longer than the cap (see rateMemory).
		if d, ok := parseRetryAfter(resp.Header, now); ok {
			cl.c.limits().hold(cl.c.limitKey, now, d, cfg.maxWait)
		}
	}
	retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || perr != nil {
		return false, "", perr
	}
	if err != nil {
		if pe, ok := proxyRefusal(err); ok && pe.status < 500 {
			return false, "", nil // a 407 does not go away by waiting
		}
		if !cl.idempotent && !neverSent(err) {
			return false, "", nil // the server may have acted: never twice
		}
		cl.wait = cl.c.jitter(cl.attempts)
		return cl.fits(ctx), "transport error", nil
	}
	if resp.StatusCode != http.StatusTooManyRequests && !cl.idempotent {
		return false, "", nil
	}
	reason = statusLine(resp.StatusCode)
	if d, ok := parseRetryAfter(resp.Header, now); ok {
		if d > cfg.maxWait {
			return false, "", nil // the caller gets the status with RetryAfter set
		}
		cl.wait = d
	} else {
		cl.wait = cl.c.jitter(cl.attempts)
	}
	return cl.fits(ctx), reason, nil
}

// statusLine is "503 Service Unavailable" from the code alone: the reason
// phrase a server sends is its own text, which may echo the token.
func statusLine(code int) string {
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// fits reports whether waiting cl.wait still leaves time before the
// context's deadline; when it does not, the call ends now with the last
// real answer or error instead of sleeping into "deadline exceeded".
func (cl *call) fits(ctx context.Context) bool {
	return cl.c.cfg.fitsDeadline(ctx, cl.wait)
}

// backoff returns the wait checkRetry decided.
func (cl *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return cl.c.cfg.sleepFor(cl.wait, cl.waitUntil)
}

// sleepFor is how long a wait of d, ending at until on the registry's
// clock, takes in real time: d, unless the registry's clock is injected
// (legiontest's ManualClock), in which case the wait moves that clock to
// until and takes no real time.
func (cfg *config) sleepFor(d time.Duration, until time.Time) time.Duration {
	switch {
	case cfg.advanceTo != nil:
		cfg.advanceTo(until)
		return 0
	case cfg.waitScale != nil:
		return cfg.waitScale(d)
	}
	return d
}

// fitsDeadline reports whether a wait of d ends before ctx's deadline.
// An injected clock's waits take no real time.
func (cfg *config) fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	if !ok || cfg.advanceTo != nil || cfg.waitScale != nil {
		return true
	}
	return !time.Now().Add(d).After(deadline)
}

// jitter is capped exponential backoff with full jitter: a uniform wait in
// (0, min(maxWait, minWait·2^(attempt-1))].
func (c *Client) jitter(attempt int) time.Duration {
	ceiling := c.cfg.maxWait
	if attempt < 32 {
		if d := c.cfg.minWait << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return time.Duration(rand.Int64N(int64(ceiling))) + 1
}

// neverSent reports a failure before any byte of the request was written,
// so that even a POST may be sent again: a failure to connect (or to reach
// the registry through a proxy), a TLS handshake that failed (a server
// that speaks plain HTTP included), and Go's own "nothing written" error
// for a pooled connection the server had closed. (Go retries that last one
// itself, once, when the request's body can be rewound, which
// go-retryablehttp's can.)
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	if _, ok := proxyRefusal(err); ok {
		return true // the proxy refused to connect to the registry
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) || errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue) && ue.Err != nil && ue.Err.Error() == errServerClosedIdle
}

// errServerClosedIdle is the text of net/http's unexported error for a
// request never written on a pooled connection the server had closed; it
// comes back bare only then (once bytes were written it is wrapped in
// "transport connection broken").
const errServerClosedIdle = "http: server closed idle connection"
