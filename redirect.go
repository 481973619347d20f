package legion

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many hops a GET may follow; a registry that moves
// an endpoint needs one, a loop needs many.
const maxRedirects = 3

// ErrRedirect matches the *Error of a redirect the client refused to
// follow: one for a method other than GET or HEAD (a publish redirected
// would become a GET or send its body elsewhere), to another origin
// (scheme, host and port) than the base URL's, from https to http, or past
// a few hops. The token is never sent anywhere but the base URL's origin.
var ErrRedirect = errors.New("legion: redirect not followed")

// origin is a URL's scheme, host and port, with the scheme's default port
// made explicit, so that "https://r" and "https://r:443" compare equal.
type origin struct{ scheme, host, port string }

func originOf(u *url.URL) origin {
	o := origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == "" {
		switch o.scheme {
		case "http":
			o.port = "80"
		case "https":
			o.port = "443"
		}
	}
	return o
}

// redirectPolicy is the CheckRedirect of every attempt. A redirect it
// refuses is not an error here: http.ErrUseLastResponse hands the 3xx to
// the client, which turns it into an *Error matching ErrRedirect with the
// status, the Location and the request id. A caller's own CheckRedirect
// (WithHTTPClient) runs after it, for the redirects it allows.
func redirectPolicy(base origin, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		if first.Method != http.MethodGet && first.Method != http.MethodHead {
			return http.ErrUseLastResponse
		}
		if len(via) > maxRedirects || originOf(req.URL) != base {
			return http.ErrUseLastResponse
		}
		// The origin is ours (host names compared without case): the token
		// goes along. net/http compares hosts with case, and would drop it
		// for "REGISTRY", turning a redirect we allow into a 401.
		if auth := first.Header.Get("Authorization"); auth != "" && req.Header.Get("Authorization") == "" {
			req.Header.Set("Authorization", auth)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// redirectError is the *Error of a 3xx answer the client did not follow.
func (c *Client) redirectError(resp *http.Response, method, u string, attempts int) *Error {
	e := c.apiError(resp, method, u, nil, attempts)
	loc := resp.Header.Get("Location")
	why := "the client follows only GET and HEAD within the base URL's origin, at most " + fmt.Sprint(maxRedirects) + " hops"
	var bad string
	if bb, ok := resp.Body.(*bufferedBody); ok {
		bad = bb.badLocation
	}
	switch {
	case bad != "":
		e.Message = fmt.Sprintf("redirect to %s not followed: the Location is not a valid URL", quoteLocation(bad))
	case loc == "":
		e.Message = "redirect without a Location (" + why + ")"
	default:
		e.Message = fmt.Sprintf("redirect to %s not followed (%s)", quoteLocation(loc), why)
	}
	e.invalid = ErrRedirect
	return e
}

// quoteLocation makes a Location safe to print: no token, no credentials,
// no control characters, not too long.
func quoteLocation(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.User != nil {
		u.User = url.User("redacted")
		loc = u.String()
	}
	const max = 200
	if len(loc) > max {
		loc = strings.ToValidUTF8(loc[:max], "") + "…"
	}
	return fmt.Sprintf("%q", redactTokens(loc))
}
