package legion

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the published registry's base URL.
const DefaultBaseURL = "https://legion-registry.hexabhhexabbh.workers.dev/api/v1"

// SDKVersion is this SDK's version, sent in the User-Agent header.
const SDKVersion = "0.1.0"

const (
	defaultMaxAttempts = 4
	defaultMinWait     = 250 * time.Millisecond
	defaultMaxWait     = 10 * time.Second
	defaultTimeout     = 30 * time.Second
	maxIdlePerHost     = 32
	// maxResponseBytes caps every response body read; a registry answer is
	// JSON metadata, never an artifact, so 16 MiB is generous.
	maxResponseBytes = 16 << 20
	// maxErrorBodyBytes caps the body of an answer outside 2xx: only its
	// message is read.
	maxErrorBodyBytes = 64 << 10
)

// Client talks to one Legion registry as one identity. It is immutable and
// safe for concurrent use; derive a client with other settings (another
// token, say) with [Client.With].
type Client struct {
	cfg       config
	baseURL   string // without a trailing slash
	userAgent string
	hc        *http.Client // every attempt's; nil in a Client not built by NewClient
	// cleartext is set for a plain-HTTP base URL on a host that is not
	// loopback, without WithInsecureHTTP: no credential may be sent there.
	cleartext bool
	// limitKey names the client in the rate-limit memory: its origin and
	// a digest of its token (the token itself is kept out of reach).
	limitKey string
}

// config is what the options set; a Client keeps it so that With can derive.
type config struct {
	baseURL     string
	token       Secret // behind a function: see Secret
	httpClient  *http.Client
	userAgent   string
	logger      *slog.Logger
	maxAttempts int
	minWait     time.Duration
	maxWait     time.Duration
	timeout     time.Duration
	attemptHook func(context.Context, Attempt)
	shared      *shared
	// insecureHTTP lets a token or password go over plain HTTP to a host
	// that is not loopback (WithInsecureHTTP).
	insecureHTTP bool

	// now is the registry's clock: it dates Retry-After and the rate-limit
	// memory. advanceTo, set through internal/hook by legiontest, makes
	// every wait move that clock instead of passing in real time.
	now       func() time.Time
	advanceTo func(time.Time)
	// waitScale is a test seam of this package's tests.
	waitScale func(time.Duration) time.Duration
}

// shared is what a client and every client derived from it with With have
// in common: one connection pool and one memory of rate limits.
type shared struct {
	transport *http.Transport // nil when NewClient was given WithHTTPClient
	limits    rateMemory
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
		timeout:     defaultTimeout,
		now:         time.Now,
		shared:      new(shared),
	}
	c, err := cfg.build(opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// With returns a new client with c's settings and opts applied on top; c is
// unchanged. A bot that acts as several identities derives one client per
// token rather than mutating a shared one.
func (c *Client) With(opts ...Option) (*Client, error) {
	if c == nil || c.hc == nil {
		return nil, errZeroClient()
	}
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
	base, u, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, baseURL: base, userAgent: "legion-go/" + SDKVersion}
	c.cleartext = u.Scheme == "http" && !isLoopback(u.Hostname()) && !cfg.insecureHTTP
	if c.cleartext && !cfg.token.IsZero() {
		return nil, errCleartext("a token")
	}
	if cfg.userAgent != "" {
		c.userAgent = cfg.userAgent + " " + c.userAgent
	}
	if cfg.httpClient == nil && cfg.shared.transport == nil {
		// The first client without WithHTTPClient creates the pool that
		// every client derived from it shares.
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every request goes to one host: keep as many idle connections as
		// a busy service runs calls at once, not net/http's default of 2,
		// which makes a third concurrent call dial anew each time.
		t.MaxIdleConnsPerHost = maxIdlePerHost
		t.OnProxyConnectResponse = onProxyConnectResponse
		cfg.shared.transport = t
	}
	o := originOf(u)
	c.hc = c.cfg.transportClient(o)
	c.limitKey = rateKey(o, cfg.token)
	return c, nil
}

func parseBaseURL(raw string) (string, *url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, &ArgumentError{Arg: "base URL", Reason: "not a URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", nil, &ArgumentError{Arg: "base URL", Reason: "scheme must be http or https"}
	}
	if u.Host == "" {
		return "", nil, &ArgumentError{Arg: "base URL", Reason: "has no host"}
	}
	// Credentials in a URL end up in logs and error messages; the registry
	// authenticates with a bearer token instead.
	if u.User != nil {
		return "", nil, &ArgumentError{Arg: "base URL", Reason: "must not carry credentials; use WithToken"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", nil, &ArgumentError{Arg: "base URL", Reason: "must not have a query or fragment"}
	}
	return strings.TrimRight(u.String(), "/"), u, nil
}

// isLoopback reports a host that never leaves the machine: "localhost" or
// a loopback address. Only these may see a credential over plain HTTP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func errCleartext(what string) error {
	return &ArgumentError{Arg: "base URL", Reason: "plain http:// to a host that is not loopback would expose " + what +
		" to anyone on the path; use https, or WithInsecureHTTP() on a network you trust"}
}

// BaseURL returns the registry base URL the client sends to.
func (c *Client) BaseURL() string {
	if c == nil {
		return ""
	}
	return c.baseURL
}

// HasToken reports whether the client sends a bearer token.
func (c *Client) HasToken() bool { return c != nil && !c.cfg.token.IsZero() }

// Format prints the client without its token, whatever the verb, so that
// logging a Client (or a struct holding one) cannot leak the credential.
func (c Client) Format(f fmt.State, _ rune) {
	token := "none"
	if !c.cfg.token.IsZero() {
		token = "[redacted]"
	}
	fmt.Fprintf(f, "legion.Client{baseURL: %s, token: %s}", c.baseURL, token)
}
