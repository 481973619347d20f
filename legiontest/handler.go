package legiontest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// ServeHTTP answers one API request. Faults come first, then the rate
// limiter, then the endpoint.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, noBody: req.Method == http.MethodHead}
	reqID := "lgt-" + strconv.FormatUint(r.reqSeq.Add(1), 10)
	rec := &RecordedRequest{Method: req.Method, Query: redactQuery(req.URL.RawQuery),
		Header: recordedHeader(req.Header), Time: r.clock.Now(), RequestID: reqID}
	var recorded, authenticated bool
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			r.panics.Add(1)
			if sw.status == 0 {
				writeJSON(sw, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
		}
		if !recorded {
			r.record(rec)
		}
		r.finish(rec, func(q *RecordedRequest) {
			q.Status, q.Authenticated, q.Duration = sw.status, authenticated, max(time.Since(start), 1)
		})
	}()
	sw.Header().Set("X-Request-Id", reqID)

	esc := req.URL.EscapedPath()
	rel, under := strings.CutPrefix(esc, BasePath)
	under = under && strings.HasPrefix(rel, "/")
	if !under {
		rel = esc
	}
	rec.Path = redactTokens(rel)

	c := &reqCtx{w: sw, req: req, hash: bearerHash(req)}
	if req.Body != nil {
		data, err := r.readBody(sw, req)
		if int64(len(data)) > r.maxBody {
			c.tooBig, data = true, data[:r.maxBody]
		}
		c.body, c.readErr = data, err != nil
		if isTimeout(err) {
			rec.Body = redactBody(c.body)
			r.record(rec)
			recorded = true
			sw.Header().Set("Connection", "close")
			writeJSON(sw, http.StatusRequestTimeout, errorBody{Error: fmt.Sprintf("request body not received within %v", r.bodyTO)})
			return
		}
	}
	rec.Body = redactBody(c.body)
	r.record(rec)
	recorded = true

	if f, ok := r.takeFault(req, rel, c.body); ok {
		if r.serveFault(sw, req, f, rec.Time) {
			authenticated = r.tokenValid(c.hash)
			if sw.abort {
				r.finish(rec, func(q *RecordedRequest) {
					q.Status, q.Authenticated, q.Duration = sw.status, authenticated, max(time.Since(start), 1)
				})
				panic(http.ErrAbortHandler)
			}
			return
		}
	}
	if wait, ok := r.allow(req, c.hash); !ok {
		authenticated = r.tokenValid(c.hash)
		secs := retryAfterSeconds(wait)
		sw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		unit := "seconds"
		if secs == 1 {
			unit = "second"
		}
		writeJSON(sw, http.StatusTooManyRequests, errorBody{Error: fmt.Sprintf("rate limit exceeded; retry in %d %s", secs, unit)})
		return
	}
	authenticated = r.touch(c.hash)
	if r.beforeRoute != nil {
		r.beforeRoute(req)
	}

	status, payload := http.StatusNotFound, any(errorBody{Error: "not found: no such endpoint"})
	if under && rel != "/" {
		var bad bool
		for _, s := range strings.Split(rel[1:], "/") {
			u, err := url.PathUnescape(s)
			if err != nil {
				bad = true
				break
			}
			c.segs = append(c.segs, u)
		}
		if bad {
			status, payload = c.fail(http.StatusBadRequest, "malformed escape in the path")
		} else {
			status, payload = r.route(c)
		}
	}
	writeJSON(sw, status, payload)
}

type errorBody struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// okBody is the answer of an endpoint that returns nothing else.
type okBody struct {
	Success bool   `json:"success"`
	Message string `json:"message,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"success":false,"error":"internal error: encoding the answer"}`)
	}
	b = jsWire(b)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (c *reqCtx) fail(status int, msg string) (int, any) {
	if status == http.StatusUnauthorized {
		c.w.Header().Set("WWW-Authenticate", `Bearer realm="legion"`)
	}
	return status, errorBody{Error: msg}
}

// failure is an error answer decided below a handler.
type failure struct {
	status int
	msg    string
}

func (c *reqCtx) failWith(f *failure) (int, any) { return c.fail(f.status, f.msg) }

type endpoint struct {
	method string
	h      func(*reqCtx) (int, any)
}

// on runs the endpoint for the request's method, or answers 405 with Allow.
func (c *reqCtx) on(eps ...endpoint) (int, any) {
	// As an Express app does, HEAD runs the GET endpoint and answers
	// without a body; getPackage counts no download for it (a HEAD fetches
	// nothing).
	methods := make([]string, 0, len(eps)+1)
	for _, ep := range eps {
		if c.req.Method == ep.method || c.req.Method == http.MethodHead && ep.method == http.MethodGet {
			return ep.h(c)
		}
		methods = append(methods, ep.method)
		if ep.method == http.MethodGet {
			methods = append(methods, http.MethodHead)
		}
	}
	allow := strings.Join(methods, ", ")
	c.w.Header().Set("Allow", allow)
	return c.fail(http.StatusMethodNotAllowed, "method not allowed; use "+allow)
}

func (r *Registry) route(c *reqCtx) (int, any) {
	s, n := c.segs, len(c.segs)
	switch s[0] {
	case "auth":
		if n == 2 {
			switch s[1] {
			case "signup":
				return c.on(endpoint{"POST", r.signup})
			case "login":
				return c.on(endpoint{"POST", r.login})
			case "me":
				return c.on(endpoint{"GET", r.me})
			}
		}
	case "tokens":
		switch n {
		case 1:
			return c.on(endpoint{"GET", r.listTokens}, endpoint{"POST", r.createToken})
		case 2:
			return c.on(endpoint{"DELETE", r.revokeToken})
		}
	case "packages":
		switch {
		case n == 1:
			return c.on(endpoint{"GET", r.listPackages})
		case n == 2 && s[1] == "publish":
			return c.on(endpoint{"POST", r.publish})
		case n == 2 && s[1] == "unpublish":
			return c.on(endpoint{"POST", r.unpublish})
		case n == 2:
			return c.on(endpoint{"GET", r.getPackage})
		case n == 3 && s[2] == "versions":
			return c.on(endpoint{"GET", r.listVersions})
		case n == 4 && s[3] == "download":
			return c.on(endpoint{"GET", r.download})
		}
	case "search":
		if n == 1 {
			return c.on(endpoint{"GET", r.search})
		}
	case "users":
		switch {
		case n == 2:
			return c.on(endpoint{"GET", r.getUser})
		case n == 3 && s[2] == "packages":
			return c.on(endpoint{"GET", r.userPackages})
		}
	case "stats":
		if n == 1 {
			return c.on(endpoint{"GET", r.stats})
		}
	case "audit":
		if n == 1 {
			return c.on(endpoint{"POST", r.audit})
		}
	}
	return c.fail(http.StatusNotFound, "not found: no such endpoint")
}

// bearerHash returns the hex SHA-256 of the request's bearer token, or "".
func bearerHash(req *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return ""
	}
	return hashToken(tok)
}

// tokenValid reports whether hash names a live token, without marking it
// used.
func (r *Registry) tokenValid(hash string) bool {
	if hash == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st.tokens[hash] != nil
}

// touch marks the token used and reports whether it is valid.
func (r *Registry) touch(hash string) bool {
	if hash == "" {
		return false
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.st.tokens[hash]
	if t == nil {
		return false
	}
	t.lastUsedAt = now
	return true
}

// authLocked returns the caller's user and token (r.mu held); need, when
// not empty, is a scope the token must carry.
func (r *Registry) authLocked(c *reqCtx, need legion.Scope) (*userRec, *tokenRec, *failure) {
	if c.hash == "" {
		return nil, nil, &failure{http.StatusUnauthorized, "authentication required: send Authorization: Bearer lgn_…"}
	}
	t := r.st.tokens[c.hash]
	if t == nil {
		return nil, nil, &failure{http.StatusUnauthorized, "invalid or revoked token"}
	}
	if need != "" && !t.has(need) {
		return nil, nil, &failure{http.StatusForbidden, "this token lacks the " + string(need) + " scope"}
	}
	return r.st.users[t.user], t, nil
}

// readBody reads up to one byte over the cap from the body within the body
// timeout, so that a trickling or stalled client costs bounded time. The
// deadline is lifted afterwards, so that it bounds the body only and not
// the rest of the request (a fault's latency, say).
func (r *Registry) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	bounded := rc.SetReadDeadline(time.Now().Add(r.bodyTO)) == nil
	data, err := io.ReadAll(io.LimitReader(req.Body, r.maxBody+1))
	if bounded {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return data, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
