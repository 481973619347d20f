package legion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// proxyError is a proxy's refusal of a CONNECT to the registry: nothing
// reached the registry. net/http reports it as a bare error carrying the
// status text only; the transport NewClient makes records the status
// (OnProxyConnectResponse), and for a caller's transport a 407's text is
// recognised.
type proxyError struct {
	status int
	text   string // "407 Proxy Authentication Required"
}

func (e *proxyError) Error() string { return "proxy refused CONNECT: " + e.text }

func onProxyConnectResponse(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return &proxyError{status: resp.StatusCode, text: resp.Status}
	}
	return nil
}

// proxyRefusal finds a proxy's refusal in a transport error.
func proxyRefusal(err error) (*proxyError, bool) {
	var pe *proxyError
	if errors.As(err, &pe) {
		return pe, true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil && ue.Err.Error() == http.StatusText(http.StatusProxyAuthRequired) {
		return &proxyError{status: http.StatusProxyAuthRequired, text: "407 " + ue.Err.Error()}, true
	}
	return nil, false
}

// proxyAPIError is the *Error of a refused CONNECT, so that a 407 is
// handled like any other status (and not retried: credentials do not
// appear by waiting).
func proxyAPIError(pe *proxyError, method, u string, attempts int) *Error {
	return &Error{
		StatusCode: pe.status,
		Method:     method,
		URL:        u,
		Message:    fmt.Sprintf("the proxy refused to connect to the registry (%s); nothing reached the registry", redactTokens(pe.text)),
		Attempts:   max(attempts, 1),
	}
}
