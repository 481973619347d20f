package legion

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// call is the per-request state the retry policy needs. go-retryablehttp's
// CheckRetry sees only the context, so the state travels in it.
type call struct {
	idempotent bool          // safe to send again after a 5xx or a lost answer
	attempts   int           // requests sent so far
	wait       time.Duration // the next backoff, decided by checkRetry
}

type callKey struct{}

func withCall(ctx context.Context, cl *call) context.Context {
	return context.WithValue(ctx, callKey{}, cl)
}

func callFrom(ctx context.Context) *call {
	if cl, ok := ctx.Value(callKey{}).(*call); ok {
		return cl
	}
	return &call{} // not ours: treat as unsafe to repeat
}

func (c *Client) newRetryClient() *retryablehttp.Client {
	rc := &retryablehttp.Client{
		HTTPClient:   c.cfg.transportClient(),
		RetryWaitMin: c.cfg.minWait,
		RetryWaitMax: c.cfg.maxWait,
		RetryMax:     c.cfg.maxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		// Keep the last response, so that the caller gets the real status
		// and message when retries run out.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	// go-retryablehttp's default logger writes to stderr; *slog.Logger
	// satisfies its LeveledLogger, and no logger means no logging.
	if c.cfg.logger != nil {
		rc.Logger = c.cfg.logger
	}
	return rc
}

// checkRetry narrows go-retryablehttp's default policy: a 429 is retried for
// every method, a 5xx or a transport error only when the request is safe to
// repeat (or never reached the server), and no wait may exceed the cap or
// the context's deadline.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl := callFrom(ctx)
	cl.attempts++
	retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || perr != nil {
		return false, perr
	}
	if err != nil {
		// No response carries the context to backoff, which draws the wait.
		return cl.idempotent || neverSent(err), nil
	}
	if resp.StatusCode != http.StatusTooManyRequests && !cl.idempotent {
		return false, nil
	}
	if d, ok := parseRetryAfter(resp.Header, c.cfg.now()); ok {
		if d > c.cfg.maxWait {
			return false, nil // the caller gets the status with RetryAfter set
		}
		cl.wait = d
	} else {
		cl.wait = c.jitter(cl.attempts)
	}
	if deadline, ok := ctx.Deadline(); ok && c.cfg.now().Add(cl.wait).After(deadline) {
		return false, nil
	}
	return true, nil
}

// backoff returns the wait checkRetry decided. After a transport error there
// is no response to carry the context, so it draws a fresh jitter.
func (c *Client) backoff(_, _ time.Duration, attemptNum int, resp *http.Response) time.Duration {
	var wait time.Duration
	if resp != nil && resp.Request != nil {
		wait = callFrom(resp.Request.Context()).wait
	} else {
		wait = c.jitter(attemptNum + 1)
	}
	if c.cfg.waitScale != nil {
		wait = c.cfg.waitScale(wait)
	}
	return wait
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

// neverSent reports a failure to connect: the request did not reach the
// server, so even a POST may be sent again.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
