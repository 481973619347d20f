package legiontest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// --- faults ---

// Fault makes the registry misbehave on matching requests, before the real
// handler runs.
type Fault struct {
	// Name labels the fault in Faults; the standalone server puts its
	// admin id here. It changes nothing else.
	Name   string
	Method string // "" matches every method
	// Path is a pattern below /api/v1: path.Match globs per segment, "**"
	// for any number of segments ("/packages/*", "/**"); it is tried
	// against the escaped and the unescaped path. "" matches every path.
	// A pattern no route of the API can match is refused (CheckPattern).
	// "*" stops at "/": "/packages*" matches GET /packages only.
	Path string
	// Query, when set, narrows the match to requests whose query has each
	// key with exactly that value ({"sort": "name"}).
	Query map[string]string
	// BodyField, when set, narrows the match to requests whose JSON body
	// has each top-level key (exact case) with that value: a string's
	// text, or the JSON of any other value ({"name": "lib"},
	// {"version": "2.0.0"}, {"scopes": `["read"]`}).
	BodyField map[string]string
	// Skip leaves the first Skip matching requests alone ("503 on the
	// second publish only": Skip 1, Times 1); Times counts after them.
	Skip int
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
	// Disconnect breaks the connection instead of answering (after
	// Latency); Status and Body then say what was begun for CloseMidBody.
	Disconnect Disconnect
	// Latency delays the answer until it elapses in real time or the
	// client cancels; with OnClock, until the registry's ManualClock has
	// been moved Latency past the request's arrival (a test of a slow
	// answer then takes no real time).
	Latency time.Duration
	OnClock bool
}

// Disconnect is how a fault breaks the connection.
type Disconnect int

const (
	// Answer answers as Status and Body say (the default).
	Answer Disconnect = iota
	// ResetConnection closes the connection with a TCP reset and no answer.
	ResetConnection
	// CloseMidBody sends the headers, with the Content-Length of the whole
	// body, and half the body, then closes the connection.
	CloseMidBody
)

type faultRule struct {
	id   uint64
	f    Fault
	left int // 0: unlimited
	skip int
}

// Validate reports what is wrong with f: a Status outside 200–599, a
// negative Skip, Times or Latency, OnClock without Latency, an unknown
// Disconnect, or a Method and Path that are malformed or match no route
// of the API (see CheckPattern). Code that installs faults from user input
// (the standalone server's -fault flag and admin route) calls it first,
// since AddFault panics.
func (f Fault) Validate() error {
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return fmt.Errorf("status %d is not in 200-599", f.Status)
	}
	if f.Times < 0 || f.Latency < 0 || f.Skip < 0 {
		return errors.New("negative Skip, Times or Latency")
	}
	if f.OnClock && f.Latency == 0 {
		return errors.New("OnClock without a Latency")
	}
	if f.Disconnect < Answer || f.Disconnect > CloseMidBody {
		return fmt.Errorf("unknown Disconnect %d", f.Disconnect)
	}
	if err := CheckPattern(f.Method, f.Path); err != nil {
		return fmt.Errorf("fault %w", err)
	}
	return nil
}

// AddFault installs f and returns a function that removes it (calling it
// more than once is harmless). Faults are tried in the order they were
// added; the first that matches answers. AddFault panics with the error
// of f.Validate: a fault that can never apply is a mistake in the test.
// OnClock needs the registry to run on a ManualClock.
func (r *Registry) AddFault(f Fault) (remove func()) {
	if err := f.Validate(); err != nil {
		panic("legiontest: AddFault: " + err.Error())
	}
	if _, manual := r.clock.(*ManualClock); f.OnClock && !manual {
		panic("legiontest: AddFault: OnClock needs a registry on a ManualClock (WithClock)")
	}
	f = f.clone()
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	r.faultSeq++
	id := r.faultSeq
	r.faults = append(r.faults, &faultRule{id: id, f: f, left: f.Times, skip: f.Skip})
	return func() { r.removeFault(id) }
}

func (f Fault) clone() Fault {
	f.Header = f.Header.Clone()
	f.Query = maps.Clone(f.Query)
	f.BodyField = maps.Clone(f.BodyField)
	return f
}

// Faults returns the faults installed, in the order they are tried, each
// with Skip and Times counting what is left of them (Times 0: until
// removed). A fault that has run out is gone.
func (r *Registry) Faults() []Fault {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	out := make([]Fault, len(r.faults))
	for i, fr := range r.faults {
		out[i] = fr.f.clone()
		out[i].Skip, out[i].Times = fr.skip, fr.left
	}
	return out
}

// ClearFaults removes every fault.
func (r *Registry) ClearFaults() {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	r.faults = nil
}

func (r *Registry) removeFault(id uint64) {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	r.faults = slices.DeleteFunc(r.faults, func(fr *faultRule) bool { return fr.id == id })
}

func (r *Registry) takeFault(req *http.Request, rel string, body []byte) (Fault, bool) {
	r.faultMu.Lock()
	defer r.faultMu.Unlock()
	if len(r.faults) == 0 {
		return Fault{}, false
	}
	dec, err := url.PathUnescape(rel)
	if err != nil {
		dec = rel
	}
	var query url.Values
	var fields map[string]json.RawMessage
	fieldsRead := false
	for i, fr := range r.faults {
		if fr.f.Method != "" && fr.f.Method != "*" && !strings.EqualFold(fr.f.Method, req.Method) {
			continue
		}
		if fr.f.Path != "" && !matchPattern(fr.f.Path, rel) && !matchPattern(fr.f.Path, dec) {
			continue
		}
		if len(fr.f.Query) > 0 {
			if query == nil {
				query = req.URL.Query()
			}
			if !matchQuery(fr.f.Query, query) {
				continue
			}
		}
		if len(fr.f.BodyField) > 0 {
			if !fieldsRead {
				_ = json.Unmarshal(body, &fields) // not an object: no field matches
				fieldsRead = true
			}
			if !matchFields(fr.f.BodyField, fields) {
				continue
			}
		}
		if fr.skip > 0 {
			fr.skip--
			continue
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

func matchQuery(want map[string]string, q url.Values) bool {
	for k, v := range want {
		if vs, ok := q[k]; !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

func matchFields(want map[string]string, fields map[string]json.RawMessage) bool {
	for k, v := range want {
		raw, ok := fields[k]
		if !ok {
			return false
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s != v {
				return false
			}
			continue
		}
		if !jsonEqual(raw, v) {
			return false
		}
	}
	return true
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(a json.RawMessage, b string) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// errClientGone ends a fault's latency when the client has gone away.
var errClientGone = errors.New("client closed the request")

// waitLatency waits out f's latency, in real time or on the registry's
// ManualClock from arrival.
func (r *Registry) waitLatency(req *http.Request, f Fault, arrival time.Time) error {
	if f.Latency <= 0 {
		return nil
	}
	if mc, ok := r.clock.(*ManualClock); ok && f.OnClock {
		reached, cancel := mc.at(arrival.Add(f.Latency))
		defer cancel()
		select {
		case <-reached:
			return nil
		case <-req.Context().Done():
			return errClientGone
		}
	}
	t := time.NewTimer(f.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-req.Context().Done():
		return errClientGone
	}
}

// serveFault applies f; it reports whether it answered the request (or
// broke the connection).
func (r *Registry) serveFault(w http.ResponseWriter, req *http.Request, f Fault, arrival time.Time) bool {
	if r.waitLatency(req, f, arrival) != nil {
		writeJSON(w, 499, errorBody{Error: "client closed the request"})
		return true
	}
	h := w.Header()
	for k, vs := range f.Header {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if f.Disconnect == ResetConnection {
		resetConnection(w)
		return true
	}
	if f.Status == 0 && f.Disconnect == Answer {
		return false
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := f.Body
	if body == "" {
		var b []byte
		if status >= 400 {
			b, _ = json.Marshal(errorBody{Error: "injected fault: " + http.StatusText(status)})
		} else {
			b, _ = json.Marshal(okBody{Success: true})
		}
		body = string(b)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if f.Disconnect == CloseMidBody {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		abortConnection(w)
		return true
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	return true
}

// resetConnection closes the request's connection with a TCP reset (a
// zero linger), so that the client reads ECONNRESET rather than an EOF.
// Where the connection cannot be taken over, it is closed as by
// http.ErrAbortHandler.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		abortConnection(w)
		return
	}
	nc := conn
	if u, ok := conn.(interface{ NetConn() net.Conn }); ok { // *tls.Conn
		nc = u.NetConn()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
	if sw, ok := w.(*statusWriter); ok {
		sw.broken = true
	}
}

// abortConnection makes the server close the connection without finishing
// the answer: ServeHTTP re-panics with http.ErrAbortHandler once the
// request is recorded.
func abortConnection(w http.ResponseWriter) {
	if sw, ok := w.(*statusWriter); ok {
		sw.broken, sw.abort = true, true
	}
}
