package legiontest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
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
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP answers one API request. Faults come first, then the rate
// limiter, then the endpoint.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	rec := RecordedRequest{Method: req.Method, Query: redactQuery(req.URL.RawQuery)}
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
		rec.Status = sw.status
		r.record(rec)
	}()
	sw.Header().Set("X-Request-Id", "lgt-"+strconv.FormatUint(r.reqSeq.Add(1), 10))

	esc := req.URL.EscapedPath()
	rel, under := strings.CutPrefix(esc, BasePath)
	under = under && strings.HasPrefix(rel, "/")
	if !under {
		rel = esc
	}
	rec.Path = redactTokens(rel)

	c := &reqCtx{w: sw, req: req, hash: bearerHash(req)}
	if req.Body != nil {
		data, err := io.ReadAll(io.LimitReader(req.Body, r.maxBody+1))
		if int64(len(data)) > r.maxBody {
			c.tooBig, data = true, data[:r.maxBody]
		}
		c.body, c.readErr = data, err != nil
	}
	rec.Body = redactBody(c.body)

	if f, ok := r.takeFault(req.Method, rel); ok {
		if r.serveFault(sw, req, f) {
			rec.Authenticated = r.tokenValid(c.hash)
			return
		}
	}
	if wait, ok := r.allow(req, c.hash); !ok {
		rec.Authenticated = r.tokenValid(c.hash)
		secs := max(int64((wait+time.Second-1)/time.Second), 1)
		sw.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		writeJSON(sw, http.StatusTooManyRequests, errorBody{Error: fmt.Sprintf("rate limit exceeded; retry in %d seconds", secs)})
		return
	}
	rec.Authenticated = r.touch(c.hash)
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
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
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
	methods := make([]string, len(eps))
	for i, ep := range eps {
		if c.req.Method == ep.method {
			return ep.h(c)
		}
		methods[i] = ep.method
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

// decode reads the JSON object body into v (whatever the Content-Type).
func (c *reqCtx) decode(v any, limit int64) *failure {
	if c.tooBig {
		return &failure{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", limit)}
	}
	if c.readErr {
		return &failure{http.StatusBadRequest, "could not read the request body"}
	}
	b := bytes.TrimLeft(c.body, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return &failure{http.StatusBadRequest, "invalid JSON: the body must be a JSON object"}
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &failure{http.StatusBadRequest, fmt.Sprintf("invalid JSON: field %q: expected %s, got %s", te.Field, kindName(te.Type), te.Value)}
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return &failure{http.StatusBadRequest, fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)}
		}
		return &failure{http.StatusBadRequest, "invalid JSON: " + err.Error()}
	}
	return nil
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "of type " + t.String()
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

// --- faults ---

// Fault makes the registry misbehave on matching requests, before the real
// handler runs.
type Fault struct {
	Method string // "" matches every method
	// Path is a path.Match glob below /api/v1, e.g. "/packages/*"; it is
	// tried against the escaped and the unescaped path. "" matches every
	// path.
	Path string
	// Times is how many requests the fault answers before it removes
	// itself; 0 keeps it until removed.
	Times int
	// Status is the status to answer; 0 serves the request normally (after
	// Latency, with Header added to the real answer).
	Status int
	Header http.Header
	// Body is sent as is; when empty, a JSON error (or {"success":true}
	// for a status below 400) is sent. Content-Type defaults to JSON.
	Body string
	// Latency delays the answer (in real time, not the registry's Clock)
	// until it elapses or the client cancels.
	Latency time.Duration
}

type faultRule struct {
	id   uint64
	f    Fault
	left int // 0: unlimited
}

// AddFault installs f and returns a function that removes it (calling it
// more than once is harmless). Faults are tried in the order they were
// added; the first that matches answers. AddFault panics on a Status
// outside 200–599, a negative Times or Latency, or a malformed Path
// pattern: those are mistakes in the test.
func (r *Registry) AddFault(f Fault) (remove func()) {
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		panic(fmt.Sprintf("legiontest: AddFault: status %d is not in 200-599", f.Status))
	}
	if f.Times < 0 || f.Latency < 0 {
		panic("legiontest: AddFault: negative Times or Latency")
	}
	if _, err := path.Match(f.Path, ""); err != nil {
		panic(fmt.Sprintf("legiontest: AddFault: path pattern %q: %v", f.Path, err))
	}
	f.Header = f.Header.Clone()
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	r.faultSeq++
	id := r.faultSeq
	r.faults = append(r.faults, &faultRule{id: id, f: f, left: f.Times})
	return func() { r.removeFault(id) }
}

func (r *Registry) removeFault(id uint64) {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	r.faults = slices.DeleteFunc(r.faults, func(fr *faultRule) bool { return fr.id == id })
}

func (r *Registry) takeFault(method, rel string) (Fault, bool) {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	if len(r.faults) == 0 {
		return Fault{}, false
	}
	dec, err := url.PathUnescape(rel)
	if err != nil {
		dec = rel
	}
	for i, fr := range r.faults {
		if fr.f.Method != "" && !strings.EqualFold(fr.f.Method, method) {
			continue
		}
		if fr.f.Path != "" {
			m1, _ := path.Match(fr.f.Path, rel)
			m2, _ := path.Match(fr.f.Path, dec)
			if !m1 && !m2 {
				continue
			}
		}
		if fr.left > 0 {
			fr.left--
			if fr.left == 0 {
				r.faults = slices.Delete(r.faults, i, i+1)
			}
		}
		return fr.f, true
	}
	return Fault{}, false
}

// serveFault applies f; it reports whether it answered the request.
func (r *Registry) serveFault(w http.ResponseWriter, req *http.Request, f Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
			writeJSON(w, 499, errorBody{Error: "client closed the request"})
			return true
		}
	}
	h := w.Header()
	for k, vs := range f.Header {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if f.Status == 0 {
		return false
	}
	body := f.Body
	if body == "" {
		var b []byte
		if f.Status >= 400 {
			b, _ = json.Marshal(errorBody{Error: "injected fault: " + http.StatusText(f.Status)})
		} else {
			b, _ = json.Marshal(okBody{Success: true})
		}
		body = string(b)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, body)
	return true
}

// --- rate limiting ---

// limiter is a fixed-window counter per key: a key's window opens with its
// first request and lets n requests through until it closes.
type limiter struct {
	n       int
	window  time.Duration
	by      LimitKey
	buckets map[string]*bucket
}

type bucket struct {
	start time.Time
	count int
}

func (l *limiter) set(n int, window time.Duration, by LimitKey) {
	if n <= 0 || window <= 0 {
		n, window = 0, 0
	}
	l.n, l.window, l.by, l.buckets = n, window, by, nil
}

// SetRateLimit allows n requests per window per key (see LimitKey); beyond
// that the registry answers 429 with Retry-After, in whole seconds by the
// registry's Clock, until the key's window closes. n = 0 (or a window ≤ 0)
// disables the limiter. Every call starts the count afresh.
func (r *Registry) SetRateLimit(n int, window time.Duration, by LimitKey) {
	r.limMu.Lock()
	defer r.limMu.Unlock()
	r.lim.set(n, window, by)
}

// allow counts the request; when it is over the limit it returns the time
// until the key's window closes.
func (r *Registry) allow(req *http.Request, hash string) (time.Duration, bool) {
	valid := r.tokenValid(hash)
	r.limMu.Lock()
	defer r.limMu.Unlock()
	l := &r.lim
	if l.n == 0 {
		return 0, true
	}
	key := "t:" + hash
	if l.by == ByAddress || !valid {
		host, _, err := net.SplitHostPort(req.RemoteAddr)
		if err != nil {
			host = req.RemoteAddr
		}
		key = "a:" + host
	}
	now := r.clock.Now()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[key]
	if b == nil || !now.Before(b.start.Add(l.window)) || now.Before(b.start) {
		if len(l.buckets) >= 4096 {
			for k, ob := range l.buckets {
				if !now.Before(ob.start.Add(l.window)) {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{start: now}
		l.buckets[key] = b
	}
	if b.count >= l.n {
		return b.start.Add(l.window).Sub(now), false
	}
	b.count++
	return 0, true
}

// --- redaction ---

var (
	tokenShape   = regexp.MustCompile(`lgn_[A-Za-z0-9]{32}`)
	passwordText = regexp.MustCompile(`(?i)("password"\s*:\s*)"(?:[^"\\]|\\.)*"?`)
)

func redactTokens(s string) string {
	if !strings.Contains(s, "lgn_") {
		return s
	}
	return tokenShape.ReplaceAllString(s, "lgn_[redacted]")
}

// redactQuery redacts token-shaped values and password parameters.
func redactQuery(raw string) string {
	if strings.Contains(strings.ToLower(raw), "pass") {
		if q, err := url.ParseQuery(raw); err == nil {
			var did bool
			for k := range q {
				if strings.EqualFold(k, "password") {
					q[k] = []string{"[redacted]"}
					did = true
				}
			}
			if did {
				raw = q.Encode()
			}
		}
	}
	return redactTokens(raw)
}

// redactBody returns a copy of b fit for the request record.
func redactBody(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	out := slices.Clone(b)
	if bytes.Contains(bytes.ToLower(out), []byte("pass")) {
		var v any
		d := json.NewDecoder(bytes.NewReader(out))
		d.UseNumber()
		if json.Valid(out) && d.Decode(&v) == nil {
			if redactPasswords(v) {
				if enc, err := json.Marshal(v); err == nil {
					out = enc
				}
			}
		} else {
			// Not JSON (or not only JSON): redact what looks like a field.
			out = passwordText.ReplaceAll(out, []byte(`${1}"[redacted]"`))
		}
	}
	if bytes.Contains(out, []byte("lgn_")) {
		out = tokenShape.ReplaceAll(out, []byte("lgn_[redacted]"))
	}
	return out
}

// redactPasswords replaces every value under a key that equals "password"
// (as encoding/json would match it, ignoring case) and reports whether it
// replaced any.
func redactPasswords(v any) bool {
	var did bool
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.EqualFold(k, "password") {
				v[k] = "[redacted]"
				did = true
			} else if redactPasswords(x) {
				did = true
			}
		}
	case []any:
		for _, x := range v {
			if redactPasswords(x) {
				did = true
			}
		}
	}
	return did
}
