package legiontest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// --- faults ---

// Fault makes the registry misbehave on matching requests, before the real
// handler runs.
type Fault struct {
	Method string // "" matches every method
	// Path is a pattern below /api/v1: path.Match globs per segment, "**"
	// for any number of segments ("/packages/*", "/**"); it is tried
	// against the escaped and the unescaped path. "" matches every path.
	// A pattern no route of the API can match is refused (CheckPattern).
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

// Validate reports what is wrong with f: a Status outside 200–599, a
// negative Times or Latency, or a Method and Path that are malformed or
// match no route of the API (see CheckPattern). Code that installs faults
// from user input (the standalone server's -fault flag and admin route)
// calls it first, since AddFault panics.
func (f Fault) Validate() error {
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return fmt.Errorf("status %d is not in 200-599", f.Status)
	}
	if f.Times < 0 || f.Latency < 0 {
		return errors.New("negative Times or Latency")
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
func (r *Registry) AddFault(f Fault) (remove func()) {
	if err := f.Validate(); err != nil {
		panic("legiontest: AddFault: " + err.Error())
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
		if fr.f.Method != "" && fr.f.Method != "*" && !strings.EqualFold(fr.f.Method, method) {
			continue
		}
		if fr.f.Path != "" && !matchPattern(fr.f.Path, rel) && !matchPattern(fr.f.Path, dec) {
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
