package legiontest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BasePath is the path below which the registry serves its API.
const BasePath = "/api/v1"

// RecordedRequest is one request the registry answered, as Requests returns
// it. It never holds a credential: the Authorization header reads
// "Bearer [redacted]", Proxy-Authorization and Cookie "[redacted]",
// "password" fields of JSON bodies are replaced by "[redacted]", and anything shaped like a token (lgn_ and 32 letters or
// digits) in the path, query, headers or body reads "lgn_[redacted]".
type RecordedRequest struct {
	Method string
	// Path is the escaped path below /api/v1 ("/packages/a%2Fb"), or the
	// whole path for a request outside it.
	Path  string
	Query string // raw query string
	// Body is the request body, up to the body cap. A JSON body holding a
	// password field is re-encoded with the field redacted.
	Body []byte
	// Authenticated reports that the request carried a valid token.
	Authenticated bool
	// Status is the status answered; 499 when the client went away while a
	// fault's latency was running; 0 while the answer is still being
	// worked out (a request is recorded when it arrives) and when a fault
	// reset the connection; the status begun when a fault closed the
	// connection mid-body.
	Status int
	// Header is the request's header, with the Authorization value
	// replaced by "Bearer [redacted]".
	Header http.Header
	// Time is when the request arrived, by the registry's Clock.
	Time time.Time
	// RequestID is the X-Request-Id the registry answered with, as a
	// *legion.Error's RequestID reports it.
	RequestID string
	// Duration is the real time the registry took to answer, fault
	// latency included; 0 while the answer is being worked out.
	Duration time.Duration
}

// DecodeBody decodes the request's JSON body into v (passwords read
// "[redacted]", tokens "lgn_[redacted]"). A request without a body is an
// error, as is a body that does not decode.
func (q RecordedRequest) DecodeBody(v any) error {
	if len(q.Body) == 0 {
		return fmt.Errorf("legiontest: %s %s has no body", q.Method, q.Path)
	}
	if err := json.Unmarshal(q.Body, v); err != nil {
		return fmt.Errorf("legiontest: %s %s: decoding the body: %w", q.Method, q.Path, err)
	}
	return nil
}

// String is the request in one line for a failure message:
// "POST /packages/publish → 201", "GET /packages?page=2 → 200"; a request
// still being answered reads "→ …", one whose connection a fault reset
// "→ reset".
func (q RecordedRequest) String() string {
	target := q.Path
	if q.Query != "" {
		target += "?" + q.Query
	}
	status := strconv.Itoa(q.Status)
	if q.Status == 0 {
		status = "…"
		if q.Duration > 0 {
			status = "reset"
		}
	}
	return q.Method + " " + target + " → " + status
}

// RequestsWithStatus returns the recorded requests answered with one of
// the statuses given, in the order they arrived.
func (r *Registry) RequestsWithStatus(status ...int) []RecordedRequest {
	return r.requests(func(q *RecordedRequest) bool { return slices.Contains(status, q.Status) })
}

// maxRecorded is how many requests the record keeps: the most recent ones,
// so that a long-running registry does not grow without bound.
const maxRecorded = 10000

// Requests returns a copy of the requests received so far (the most
// recent 10,000), in the order they arrived. A request is recorded as soon
// as it arrives, so one whose client went away during a fault's latency is
// there by the time the client's call has returned.
func (r *Registry) Requests() []RecordedRequest {
	return r.requests(func(*RecordedRequest) bool { return true })
}

// RequestsTo returns the recorded requests with the method (case
// insensitive; "" or "*" for any) whose path matches pattern, as Fault.Path
// does: "/packages/*", "/packages/**". It panics with CheckPattern's error
// on a pattern no route of the API can match, a mistake in the test that
// would otherwise select nothing.
func (r *Registry) RequestsTo(method, pattern string) []RecordedRequest {
	if err := CheckPattern(method, pattern); err != nil {
		panic("legiontest: RequestsTo: filter " + err.Error())
	}
	return r.requests(func(q *RecordedRequest) bool {
		if method != "" && method != "*" && !strings.EqualFold(method, q.Method) {
			return false
		}
		if pattern == "" || matchPattern(pattern, q.Path) {
			return true
		}
		dec, err := url.PathUnescape(q.Path)
		return err == nil && matchPattern(pattern, dec)
	})
}

func (r *Registry) requests(keep func(*RecordedRequest) bool) []RecordedRequest {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	src := r.reqs[max(0, len(r.reqs)-maxRecorded):]
	out := make([]RecordedRequest, 0, len(src))
	for _, q := range src {
		if !keep(q) {
			continue
		}
		c := *q
		c.Body = slices.Clone(q.Body)
		c.Header = q.Header.Clone()
		out = append(out, c)
	}
	return out
}

// ResetRequests forgets the requests recorded so far.
func (r *Registry) ResetRequests() {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	r.reqs = nil
}

// record adds q, which the handler fills in under recMu (finish) as it
// learns the answer.
func (r *Registry) record(q *RecordedRequest) {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	r.reqs = append(r.reqs, q)
	if len(r.reqs) >= 2*maxRecorded {
		r.reqs = slices.Clone(r.reqs[len(r.reqs)-maxRecorded:])
	}
}

// reqCtx is one request on its way through the handler.
type reqCtx struct {
	w       http.ResponseWriter
	req     *http.Request
	body    []byte
	tooBig  bool
	readErr bool
	segs    []string // unescaped path segments below /api/v1
	hash    string   // hex SHA-256 of the bearer token; "" when none was sent
}

type statusWriter struct {
	http.ResponseWriter
	status int
	noBody bool // a HEAD request: the answer's headers only
	broken bool // a fault broke the connection
	abort  bool // ServeHTTP must end with http.ErrAbortHandler
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.noBody {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish completes a recorded request with what the handler learnt.
func (r *Registry) finish(q *RecordedRequest, set func(*RecordedRequest)) {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	set(q)
}

// recordedHeader is h with credentials redacted.
func recordedHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			switch k {
			case "Authorization":
				c[i] = "Bearer [redacted]"
			case "Proxy-Authorization", "Cookie":
				c[i] = "[redacted]"
			default:
				c[i] = redactTokens(v)
			}
		}
		out[k] = c
	}
	return out
}
