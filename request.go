package legion

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/hashicorp/go-retryablehttp"
)

// request describes one call to the registry.
type request struct {
	method string
	path   string     // below the base URL, segments already escaped with pathSegment
	query  url.Values // nil for none
	body   any        // sent as JSON when non-nil
	auth   bool       // the endpoint requires a token
	// safe marks a POST that changes nothing on the server (audit), so it
	// may be repeated like a GET.
	safe bool
}

// send performs r and decodes a 2xx answer into out (nil when the answer
// carries nothing the caller needs).
func (c *Client) send(ctx context.Context, r request, out envelope) error {
	if ctx == nil {
		return &ArgumentError{Arg: "context", Reason: "must not be nil"}
	}
	if r.auth && c.cfg.token == "" {
		return ErrNoToken
	}
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body any
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("legion: encoding %s %s: %w", r.method, r.path, err)
		}
		body = b
	}
	cl := &call{idempotent: r.safe || r.method == http.MethodGet || r.method == http.MethodDelete}
	req, err := retryablehttp.NewRequestWithContext(withCall(ctx, cl), r.method, u, body)
	if err != nil {
		return fmt.Errorf("legion: building %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		// With PassthroughErrorHandler a response can come back beside an
		// error (the context ended just after it arrived): close it.
		if resp != nil {
			resp.Body.Close()
		}
		// Context errors come back bare; transport errors as *url.Error,
		// whose text names the method and URL but never a header.
		if ctx.Err() != nil {
			return fmt.Errorf("legion: %s %s: %w", r.method, u, ctx.Err())
		}
		return fmt.Errorf("legion: %w", err)
	}
	defer resp.Body.Close()
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // don't let one huge answer pin memory
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	readErr := readCapped(buf, resp.Body)
	data := buf.Bytes()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(resp, r.method, u, data, cl.attempts)
	}
	if readErr != nil {
		return fmt.Errorf("%w: %s %s: reading body: %w", ErrInvalidResponse, r.method, u, readErr)
	}
	if out == nil {
		return nil
	}
	if err := decodeAnswer(data, out); err != nil {
		return fmt.Errorf("%w: %s %s: %d answer: %w (body starts %q)",
			ErrInvalidResponse, r.method, u, resp.StatusCode, err, excerpt(data))
	}
	return nil
}

// bodyBuffers recycles response buffers: decoding copies every string out,
// so a body's bytes are garbage once its answer is decoded.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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

// apiError builds the *Error for a non-2xx answer, with the server's message
// or, for a body that is not JSON, an excerpt of it.
func (c *Client) apiError(resp *http.Response, method, u string, body []byte, attempts int) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        u,
		RequestID:  firstHeader(resp.Header, "X-Request-Id", "Request-Id", "CF-Ray"),
		Attempts:   max(attempts, 1),
	}
	if d, ok := parseRetryAfter(resp.Header, c.cfg.now()); ok {
		e.RetryAfter = d
	}
	var st status
	if json.Unmarshal(body, &st) == nil {
		e.Message = redactTokens(st.message())
	} else {
		e.Message = excerpt(body)
	}
	return e
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// pathSegment escapes s as exactly one path segment: "a/b" stays one
// segment, and "." or ".." cannot climb out of the path.
func pathSegment(s string) string {
	e := url.PathEscape(s)
	if strings.Trim(e, ".") == "" {
		return strings.ReplaceAll(e, ".", "%2E")
	}
	return e
}
