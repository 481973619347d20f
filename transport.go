package legion

import (
	"bytes"
	"context"
	"errors"
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
	if c != nil && c.cfg.shared != nil && c.cfg.shared.transport != nil {
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
	limit := int64(maxResponseBytes)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Only a message is wanted from a failure: an excerpt of a huge
		// error page is as good as all of it, on every attempt.
		limit = maxErrorBodyBytes
	}
	readErr := readCapped(&body.buf, resp.Body, limit)
	resp.Body.Close() // undrained past the cap: the connection is dropped, not read to the end
	if readErr != nil && ctx.Err() != nil {
		body.recycle()
		return nil, t.timedOut(ctx, req, readErr)
	}
	switch {
	case readErr == nil:
	case isTooLarge(readErr):
		if limit == maxResponseBytes {
			body.err = readErr // a 2xx over the cap: an invalid answer
		}
	default:
		// The body was cut off after the headers (a reset, an HTTP/2
		// stream error): no answer arrived, which is a transport failure
		// that the retry policy may retry.
		body.recycle()
		return nil, fmt.Errorf("reading the body of a %d answer: %w", resp.StatusCode, readErr)
	}
	body.r.Reset(body.buf.Bytes())
	resp.Body = body
	hideBadLocation(req, resp, body)
	return resp, nil
}

// hideBadLocation takes out of a redirect a Location that is not a URL
// ("http://%65vil/"), keeping it in body: net/http would fail the attempt
// with a transport error, which a GET retries, where the client refuses
// the redirect (ErrRedirect) like any other it does not follow.
func hideBadLocation(req *http.Request, resp *http.Response, body *bufferedBody) {
	switch resp.StatusCode {
	case 301, 302, 303, 307, 308: // those net/http follows
	default:
		return
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return
	}
	if _, err := req.URL.Parse(loc); err == nil {
		return
	}
	resp.Header = resp.Header.Clone()
	resp.Header.Del("Location")
	body.badLocation = loc
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
	// badLocation is a redirect's Location that is not a URL, taken out
	// of the header by hideBadLocation.
	badLocation string
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
	b.badLocation = ""
	bodyBuffers.Put(b)
}

// readCapped reads at most limit bytes into buf; a longer body is a
// *tooLargeError rather than an unbounded allocation.
func readCapped(buf *bytes.Buffer, r io.Reader, limit int64) error {
	_, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err == nil && int64(buf.Len()) > limit {
		buf.Truncate(int(limit))
		return &tooLargeError{limit: limit}
	}
	return err
}

type tooLargeError struct{ limit int64 }

// isTooLarge is apart so that the error pointer errors.As fills does not
// escape (and allocate) on every read.
func isTooLarge(err error) bool {
	var e *tooLargeError
	return errors.As(err, &e)
}

func (e *tooLargeError) Error() string { return fmt.Sprintf("body exceeds %d bytes", e.limit) }
