package legion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
	// goneOnRetry marks a DELETE whose 404, after an attempt whose answer
	// was lost, means that attempt did the deletion.
	goneOnRetry bool
	// secret is a value sent in the body (Login's password) that the
	// server's answer may repeat: it is cut out of the error.
	secret Secret
}

// send performs r and decodes a 2xx answer into out (nil when the answer
// carries nothing the caller needs: it is then still checked to be a JSON
// object that does not say "success": false, or an empty 204). A final failure is logged at Warn.
func (c *Client) send(ctx context.Context, r request, out envelope) error {
	if ctx == nil {
		return &ArgumentError{Arg: "context", Reason: "must not be nil"}
	}
	if c == nil || c.hc == nil {
		return errZeroClient()
	}
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	err := c.do(ctx, r, u, out)
	err = scrubValue(err, r.secret.Reveal())
	c.logFailure(ctx, r.method, u, err)
	return err
}

func (c *Client) do(ctx context.Context, r request, u string, out envelope) error {
	if r.auth && c.cfg.token.IsZero() {
		return ErrNoToken
	}
	var body any
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("legion: encoding %s %s: %w", r.method, r.path, err)
		}
		body = b
	}
	if err := c.awaitRateLimit(ctx, r.method, u); err != nil {
		return err
	}
	cl := c.newCall(r, u)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return fmt.Errorf("legion: building %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token := c.cfg.token.Reveal(); token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}

	resp, err := cl.retryClient().Do(req)
	if err != nil {
		err = scrubbed(err)
		if pe, ok := proxyRefusal(err); ok && ctx.Err() == nil {
			return proxyAPIError(pe, r.method, u, cl.attempts)
		}
		// With PassthroughErrorHandler a response can come back beside an
		// error (the context ended just after it arrived): close it.
		if resp != nil {
			resp.Body.Close()
		}
		// Context errors come back bare; transport errors as *url.Error,
		// whose text names the method and URL but never a header.
		if ctx.Err() != nil {
			err = fmt.Errorf("legion: %s %s: %w", r.method, u, ctx.Err())
			switch {
			case cl.lastAnswer != nil:
				err = fmt.Errorf("legion: %s %s: %w (last answer: %w)", r.method, u, ctx.Err(), cl.lastAnswer)
			case cl.lastErr != nil && !errors.Is(cl.lastErr, ctx.Err()):
				err = fmt.Errorf("legion: %s %s: %w (last attempt: %w)", r.method, u, ctx.Err(), cl.lastErr)
			}
		} else {
			err = fmt.Errorf("legion: %w", err)
		}
		if !cl.idempotent && cl.lostAnswer {
			return outcome(r.method+" "+u, err, nil)
		}
		return err
	}
	defer resp.Body.Close()
	var data []byte
	var readErr error
	if bb, ok := resp.Body.(*bufferedBody); ok {
		data, readErr = bb.buf.Bytes(), bb.err
		defer bb.recycle()
	} else { // a response go-retryablehttp made up; not seen in practice
		var buf bytes.Buffer
		readErr = readCapped(&buf, resp.Body, maxResponseBytes)
		data = buf.Bytes()
	}

	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return c.redirectError(resp, r.method, u, cl.attempts)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if resp.StatusCode == http.StatusNotFound && r.goneOnRetry && cl.lostAnswer {
			// An earlier attempt's answer was lost and now the thing is
			// gone: that attempt deleted it.
			return nil
		}
		return c.apiError(resp, r.method, u, data, cl.attempts)
	}
	if readErr != nil {
		return c.invalidAnswer(resp, r.method, u, data, cl.attempts, fmt.Errorf("reading body: %w", readErr))
	}
	if out == nil {
		if resp.StatusCode == http.StatusNoContent && len(bytes.TrimSpace(data)) == 0 {
			return nil
		}
		// An answer that carries nothing must still say it succeeded.
		out = new(ackEnvelope)
	}
	if err := decodeAnswer(data, out); err != nil {
		return c.invalidAnswer(resp, r.method, u, data, cl.attempts, err)
	}
	return nil
}

// invalidAnswer is the *Error for a 2xx answer that cannot be used: it
// carries the status, method, URL and request id like any other.
func (c *Client) invalidAnswer(resp *http.Response, method, u string, body []byte, attempts int, cause error) *Error {
	e := c.apiError(resp, method, u, nil, attempts)
	e.invalid = fmt.Errorf("%w: %w", ErrInvalidResponse, cause)
	e.Message = redactTokens(fmt.Sprintf("invalid response: %v (body starts %q)", cause, excerpt(body)))
	return e
}

// apiError builds the *Error for a non-2xx answer, with the server's message
// or, for a body that is not JSON, an excerpt of it.
func (c *Client) apiError(resp *http.Response, method, u string, body []byte, attempts int) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		Method:     method,
		URL:        u,
		RequestID:  requestID(resp.Header),
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

// requestID is the id a support ticket should quote: the registry's
// X-Request-Id, or what a proxy in front of it set.
func requestID(h http.Header) string {
	for _, n := range [...]string{"X-Request-Id", "Request-Id", "CF-Ray"} {
		if v := h.Get(n); v != "" {
			return redactTokens(v) // the server's text: it may echo the token
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
