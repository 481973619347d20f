package legion

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
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
	keys []string // keys a wrapped payload may sit under (Part 2 of the reference)
}

// send performs r and decodes the payload of a 2xx answer into out (which
// may be nil when the answer carries nothing the caller needs).
func (c *Client) send(ctx context.Context, r request, out any) error {
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
	req.Header.Set("User-Agent", c.userAgent())
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		// Context errors come back bare; transport errors as *url.Error,
		// whose text names the method and URL but never a header.
		if ctx.Err() != nil {
			return fmt.Errorf("legion: %s %s: %w", r.method, u, ctx.Err())
		}
		return fmt.Errorf("legion: %w", err)
	}
	defer resp.Body.Close()
	data, readErr := readCapped(resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.apiError(resp, r.method, u, data, cl.attempts)
	}
	if readErr != nil {
		return fmt.Errorf("%w: %s %s: reading body: %w", ErrInvalidResponse, r.method, u, readErr)
	}
	if out == nil {
		return nil
	}
	if err := decodePayload(data, out, r.keys); err != nil {
		return fmt.Errorf("%w: %s %s: %d answer: %w (body starts %q)",
			ErrInvalidResponse, r.method, u, resp.StatusCode, err, excerpt(data))
	}
	return nil
}

func (c *Client) userAgent() string {
	ua := "legion-go/" + SDKVersion
	if c.cfg.userAgent != "" {
		ua = c.cfg.userAgent + " " + ua
	}
	return ua
}

// readCapped reads at most maxResponseBytes; a longer body is an error
// rather than an unbounded allocation.
func readCapped(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResponseBytes+1))
	if err == nil && len(data) > maxResponseBytes {
		return data[:maxResponseBytes], fmt.Errorf("body exceeds %d bytes", maxResponseBytes)
	}
	return data, err
}

// apiError builds the *Error for a non-2xx answer, taking the message from
// "error" or "message" (Part 2 of the reference) or an excerpt of the body.
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
	var msg struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &msg) == nil {
		e.Message = messageText(msg.Error)
		if e.Message == "" {
			e.Message = msg.Message
		}
		e.Message = redactTokens(e.Message)
	} else {
		e.Message = excerpt(body)
	}
	return e
}

// messageText accepts "error" as a string or as an object with a message.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Message
	}
	return ""
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// decodePayload accepts a payload flat beside "success" or wrapped under one
// of keys, and a list as a bare array too (Part 2 of the reference). A key
// wraps the payload only when its value is of the kind out expects (an
// object for a struct, an array for a slice), so a flat field that happens
// to share the key's name ("version": "1.0.0") is not mistaken for a wrapper.
func decodePayload(data []byte, out any, keys []string) error {
	data = bytes.TrimSpace(data)
	want := byte('{')
	if isSlicePtr(out) {
		want = '['
	}
	if len(data) > 0 && data[0] == '[' {
		return json.Unmarshal(data, out)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return err
	}
	if s, ok := env["success"]; ok && string(bytes.TrimSpace(s)) == "false" {
		var e struct {
			Error   json.RawMessage `json:"error"`
			Message string          `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf(`"success": false: %s`, redactTokens(messageText(e.Error)+e.Message))
	}
	for _, k := range keys {
		if raw := bytes.TrimSpace(env[k]); len(raw) > 0 && raw[0] == want {
			return json.Unmarshal(raw, out)
		}
	}
	if want == '[' {
		return fmt.Errorf("no list under %s", strings.Join(keys, " or "))
	}
	return json.Unmarshal(data, out)
}

func isSlicePtr(v any) bool {
	t := reflect.TypeOf(v)
	return t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Slice
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
