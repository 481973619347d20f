package legiontest

import (
	"net/http"
	"slices"
)

// BasePath is the path below which the registry serves its API.
const BasePath = "/api/v1"

// RecordedRequest is one request the registry answered, as Requests returns
// it. It never holds a credential: the Authorization header is not kept,
// "password" fields of JSON bodies are replaced by "[redacted]", and
// anything shaped like a token (lgn_ and 32 letters or digits) in the path,
// query or body reads "lgn_[redacted]".
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
	// fault's latency was running.
	Status int
}

// maxRecorded is how many requests the record keeps: the most recent ones,
// so that a long-running registry does not grow without bound.
const maxRecorded = 10000

// Requests returns a copy of the requests answered so far (the most recent
// 10,000), in the order their answers were completed.
func (r *Registry) Requests() []RecordedRequest {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	src := r.reqs[max(0, len(r.reqs)-maxRecorded):]
	out := make([]RecordedRequest, len(src))
	for i, q := range src {
		q.Body = slices.Clone(q.Body)
		out[i] = q
	}
	return out
}

// ResetRequests forgets the requests recorded so far.
func (r *Registry) ResetRequests() {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	r.reqs = nil
}

func (r *Registry) record(q RecordedRequest) {
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
