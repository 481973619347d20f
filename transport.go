package legion

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// transportClient is the http.Client every attempt goes through: the
// caller's (WithHTTPClient) or one over the transport that NewClient created
// and that every client derived with With shares, so that a service making
// one client per identity keeps one connection pool. Redirects follow
// redirectPolicy whatever the caller's client says.
func (cfg *config) transportClient(base origin) *http.Client {
	var hc http.Client
	var rt http.RoundTripper = cfg.shared.transport
	if cfg.httpClient != nil {
		hc = *cfg.httpClient // shallow copy: Timeout, Jar and CheckRedirect stay the caller's
		rt = hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
	}
	hc.Transport = keepIdle{attemptTransport{rt: rt, timeout: cfg.timeout}}
	hc.CheckRedirect = redirectPolicy(base, hc.CheckRedirect)
	return &hc
}

// CloseIdleConnections closes the idle connections of the pool that the
// client (and every client derived from it with With) owns. It never
// touches the pool of an http.Client given with WithHTTPClient.
func (c *Client) CloseIdleConnections() {
	if c.cfg.shared != nil && c.cfg.shared.transport != nil {
		c.cfg.shared.transport.CloseIdleConnections()
	}
}

// keepIdle hides CloseIdleConnections from go-retryablehttp, which calls it
// on the http.Client it is given when a request fails or its context is
// cancelled: the pool is shared with other calls (and maybe, through
// WithHTTPClient, with other code), whose connections are none of ours.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// attemptTransport bounds one attempt, from dial to the last byte of the
// body, and reads the body inside that bound: a server that stalls before
// its headers or in the middle of its body fails the attempt after timeout,
// as a transport error, which the retry policy may retry (a GET) or not (a
// POST, which the server may have acted on).
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (t attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	defer cancel()
	resp, err := t.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		return nil, t.timedOut(ctx, req, err)
	}
	body := newBufferedBody()
	readErr := readCapped(&body.buf, resp.Body)
	resp.Body.Close()
	if readErr != nil && ctx.Err() != nil {
		body.recycle()
		return nil, t.timedOut(ctx, req, readErr)
	}
	body.err = readErr // a body over the cap, or cut short: the caller decides
	body.r.Reset(body.buf.Bytes())
	resp.Body = body
	return resp, nil
}

// timedOut names this attempt's own deadline when it is what ended the
// attempt (the caller's context still running), so that the error matches
// context.DeadlineExceeded and says how long the attempt was given.
func (t attemptTransport) timedOut(ctx context.Context, req *http.Request, err error) error {
	if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
		return &attemptTimeoutError{timeout: t.timeout, cause: err}
	}
	return err
}

// attemptTimeoutError keeps the transport's own error as well, so that a
// timeout while dialling is still seen as "nothing was sent".
type attemptTimeoutError struct {
	timeout time.Duration
	cause   error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within %s (WithTimeout): %v", e.timeout, context.DeadlineExceeded)
}
func (e *attemptTimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.cause} }
func (e *attemptTimeoutError) Timeout() bool   { return true }

// bufferedBody is a response body already read in full. Closing it does
// nothing (go-retryablehttp drains and closes bodies it discards); the one
// reader of a final answer, Client.send, recycles its buffer explicitly:
// decoding copies every string out, so the bytes are garbage once the
// answer is decoded.
type bufferedBody struct {
	buf bytes.Buffer
	r   bytes.Reader
	err error // why reading stopped early, if it did
}

var bodyBuffers = sync.Pool{New: func() any { return new(bufferedBody) }}

func newBufferedBody() *bufferedBody { return bodyBuffers.Get().(*bufferedBody) }

func (b *bufferedBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *bufferedBody) Close() error { return nil }

// recycle returns b to the pool; b must not be used afterwards.
func (b *bufferedBody) recycle() {
	if b.buf.Cap() > 1<<20 { // don't let one huge answer pin memory
		return
	}
	b.buf.Reset()
	b.r.Reset(nil)
	b.err = nil
	bodyBuffers.Put(b)
}

// readCapped reads at most maxResponseBytes into buf; a longer body is an
// error rather than an unbounded allocation.
func readCapped(buf *bytes.Buffer, r io.Reader) error {
	_, err := buf.ReadFrom(io.LimitReader(r, maxResponseBytes+1))
	if err == nil && buf.Len() > maxResponseBytes {
		buf.Truncate(maxResponseBytes)
		return fmt.Errorf("body exceeds %d bytes", maxResponseBytes)
	}
	return err
}
