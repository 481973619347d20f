package legion

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the published registry's base URL.
const DefaultBaseURL = "https://legion-registry.hexabhhexabbh.workers.dev/api/v1"

// SDKVersion is this SDK's version, sent in the User-Agent header.
const SDKVersion = "0.1.0"

const (
	defaultMaxAttempts = 4
	defaultMinWait     = 250 * time.Millisecond
	defaultMaxWait     = 10 * time.Second
	// maxResponseBytes caps every response body read; a registry answer is
	// JSON metadata, never an artifact, so 16 MiB is generous.
	maxResponseBytes = 16 << 20
)

// Client talks to one Legion registry as one identity. It is immutable and
// safe for concurrent use; derive a client with other settings (another
// token, say) with [Client.With].
type Client struct {
	cfg       config
	baseURL   string // without a trailing slash
	userAgent string
	http      *retryablehttp.Client
}

// config is what the options set; a Client keeps it so that With can derive.
type config struct {
	baseURL     string
	token       string
	httpClient  *http.Client
	userAgent   string
	logger      *slog.Logger
	maxAttempts int
	minWait     time.Duration
	maxWait     time.Duration

	// Test seams, set only by this package's tests.
	now       func() time.Time
	waitScale func(time.Duration) time.Duration
}

// NewClient returns a client for the registry. It does no network I/O; it
// fails on a malformed option (a base URL that is not http(s), a token that
// is not lgn_…, retry bounds out of order).
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{
		baseURL:     DefaultBaseURL,
		maxAttempts: defaultMaxAttempts,
		minWait:     defaultMinWait,
		maxWait:     defaultMaxWait,
		now:         time.Now,
	}
	return cfg.build(opts)
}

// With returns a new client with c's settings and opts applied on top; c is
// unchanged. A bot that acts as several identities derives one client per
// token rather than mutating a shared one.
func (c *Client) With(opts ...Option) (*Client, error) {
	return c.cfg.build(opts)
}

func (cfg config) build(opts []Option) (*Client, error) {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, baseURL: base, userAgent: "legion-go/" + SDKVersion}
	if cfg.userAgent != "" {
		c.userAgent = cfg.userAgent + " " + c.userAgent
	}
	c.http = c.newRetryClient()
	return c, nil
}

func parseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", &ArgumentError{Arg: "base URL", Reason: "not a URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", &ArgumentError{Arg: "base URL", Reason: "scheme must be http or https"}
	}
	if u.Host == "" {
		return "", &ArgumentError{Arg: "base URL", Reason: "has no host"}
	}
	// Credentials in a URL end up in logs and error messages; the registry
	// authenticates with a bearer token instead.
	if u.User != nil {
		return "", &ArgumentError{Arg: "base URL", Reason: "must not carry credentials; use WithToken"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", &ArgumentError{Arg: "base URL", Reason: "must not have a query or fragment"}
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// BaseURL returns the registry base URL the client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// HasToken reports whether the client sends a bearer token.
func (c *Client) HasToken() bool { return c.cfg.token != "" }

// Format prints the client without its token, whatever the verb, so that
// logging a Client (or a struct holding one) cannot leak the credential.
func (c Client) Format(f fmt.State, _ rune) {
	token := "none"
	if c.cfg.token != "" {
		token = "[redacted]"
	}
	fmt.Fprintf(f, "legion.Client{baseURL: %s, token: %s}", c.baseURL, token)
}

// keepIdle hides CloseIdleConnections from go-retryablehttp, which calls it
// on the http.Client it is given when a request fails or its context is
// cancelled: the caller's client may be shared with other code whose pooled
// connections are none of our business.
type keepIdle struct{ rt http.RoundTripper }

func (k keepIdle) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

func (cfg *config) transportClient() *http.Client {
	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient // shallow copy: Timeout, Jar and CheckRedirect stay the caller's
	}
	rt := hc.Transport
	if rt == nil {
		if cfg.httpClient == nil {
			rt = http.DefaultTransport.(*http.Transport).Clone()
		} else {
			rt = http.DefaultTransport
		}
	}
	hc.Transport = keepIdle{rt: rt}
	return &hc
}
