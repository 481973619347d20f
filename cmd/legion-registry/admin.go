package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/legion-registry/legion-go/legiontest"
)

// The admin routes drive the registry's test hooks over HTTP. They have no
// authentication: they are served on loopback addresses only unless -admin
// says otherwise.
//
//	POST   /_admin/faults          JSON fault → {"id": "1"}
//	GET    /_admin/faults          the faults installed, in the order tried
//	DELETE /_admin/faults          remove every fault
//	DELETE /_admin/faults/{id}
//	POST   /_admin/reset           back to the state at start; no faults, no record
//	POST   /_admin/restore         a snapshot (GET /_admin/snapshot) as the state
//	PUT    /_admin/rate-limit      {"n": 60, "window": "1m", "by": "token"}
//	GET    /_admin/requests        the request record
//	POST   /_admin/reset-requests
//	GET    /_admin/snapshot        the state, as -state saves it

// faultTable names the faults installed through flags or the admin routes,
// since legiontest.AddFault hands back only a remove function.
type faultTable struct {
	reg    *legiontest.Registry
	mu     sync.Mutex
	seq    int
	remove map[string]func()
}

func newFaultTable(reg *legiontest.Registry) *faultTable {
	return &faultTable{reg: reg, remove: map[string]func(){}}
}

// add installs f, which checkFault has accepted, and returns its id, which
// names it in the registry's Faults.
func (t *faultTable) add(f legiontest.Fault) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	id := strconv.Itoa(t.seq)
	f.Name = id
	t.remove[id] = t.reg.AddFault(f)
	return id
}

// clear removes every fault.
func (t *faultTable) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reg.ClearFaults()
	clear(t.remove)
}

// delete removes the fault id; it reports false for an unknown id. A fault
// with Times that has already run out is still known here (legiontest
// does not say), and deleting it is harmless.
func (t *faultTable) delete(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rm, ok := t.remove[id]
	if ok {
		rm()
		delete(t.remove, id)
	}
	return ok
}

type admin struct {
	reg      *legiontest.Registry
	faults   *faultTable
	rollback func() // back to the data at start
	mux      *http.ServeMux
}

func newAdmin(reg *legiontest.Registry, faults *faultTable, rollback func()) *admin {
	a := &admin{reg: reg, faults: faults, rollback: rollback, mux: http.NewServeMux()}
	a.mux.HandleFunc("POST /_admin/faults", a.addFault)
	a.mux.HandleFunc("GET /_admin/faults", a.listFaults)
	a.mux.HandleFunc("DELETE /_admin/faults", a.clearFaults)
	a.mux.HandleFunc("DELETE /_admin/faults/{id}", a.deleteFault)
	a.mux.HandleFunc("POST /_admin/reset", a.reset)
	a.mux.HandleFunc("POST /_admin/restore", a.restore)
	a.mux.HandleFunc("PUT /_admin/rate-limit", a.setRateLimit)
	a.mux.HandleFunc("GET /_admin/requests", a.requests)
	a.mux.HandleFunc("POST /_admin/reset-requests", a.resetRequests)
	a.mux.HandleFunc("GET /_admin/snapshot", a.snapshot)
	a.mux.HandleFunc("/_admin/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "no such admin route")
	})
	return a
}

func (a *admin) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// faultJSON is a legiontest.Fault as JSON: field names as below, as in Go
// or in lower case, each at most once (anything else is refused, see
// checkKeys), Header values a string or a list,
// Latency a duration string ("250ms") or nanoseconds (as json.Marshal
// writes a time.Duration), Disconnect "reset", "mid-body" or the number.
// Name is the server's: the fault's id replaces it.
type faultJSON struct {
	Name       string                     `json:"name"`
	Method     string                     `json:"method"`
	Path       string                     `json:"path"`
	Query      map[string]string          `json:"query"`
	BodyField  map[string]string          `json:"bodyField"`
	Skip       int                        `json:"skip"`
	Status     int                        `json:"status"`
	Times      int                        `json:"times"`
	Header     map[string]json.RawMessage `json:"header"`
	Body       string                     `json:"body"`
	Disconnect disconnect                 `json:"disconnect"`
	Latency    duration                   `json:"latency"`
	OnClock    bool                       `json:"onClock"`
}

type disconnect legiontest.Disconnect

func (d *disconnect) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "", "none":
			*d = disconnect(legiontest.Answer)
		case "reset":
			*d = disconnect(legiontest.ResetConnection)
		case "mid-body":
			*d = disconnect(legiontest.CloseMidBody)
		default:
			return fmt.Errorf("disconnect %q: want reset or mid-body", s)
		}
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New(`disconnect: want "reset", "mid-body" or a number`)
	}
	*d = disconnect(n)
	return nil
}

type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("latency %q: want a duration such as 250ms", s)
		}
		*d = duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("latency: want a duration string or nanoseconds")
	}
	*d = duration(n)
	return nil
}

func (fj faultJSON) fault() (legiontest.Fault, error) {
	f := legiontest.Fault{
		Method:     strings.ToUpper(fj.Method),
		Path:       fj.Path,
		Query:      fj.Query,
		BodyField:  fj.BodyField,
		Skip:       fj.Skip,
		Status:     fj.Status,
		Times:      fj.Times,
		Body:       fj.Body,
		Disconnect: legiontest.Disconnect(fj.Disconnect),
		Latency:    time.Duration(fj.Latency),
	}
	if fj.OnClock {
		return f, errors.New("onClock: this server runs on the system clock")
	}
	if f.Method == "*" {
		f.Method = ""
	}
	for k, raw := range fj.Header {
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			many = []string{one}
		case json.Unmarshal(raw, &many) == nil:
		default:
			return f, fmt.Errorf("header %q: want a string or a list of strings", k)
		}
		if f.Header == nil {
			f.Header = http.Header{}
		}
		for _, v := range many {
			f.Header.Add(k, v)
		}
	}
	return f, checkFault(&f)
}

func (a *admin) addFault(w http.ResponseWriter, r *http.Request) {
	var fj faultJSON
	if !decode(w, r, &fj) {
		return
	}
	f, err := fj.fault()
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	id := a.faults.add(f)
	reply(w, http.StatusCreated, answer{Success: true, ID: id, Fault: describeFault(f)})
}

// faultListed is one installed fault as GET /_admin/faults shows it.
type faultListed struct {
	ID    string `json:"id"`
	Fault string `json:"fault"`
	Skip  int    `json:"skip,omitempty"`
	Times int    `json:"times,omitempty"` // left; 0: until removed
}

func (a *admin) listFaults(w http.ResponseWriter, r *http.Request) {
	out := []faultListed{}
	for _, f := range a.reg.Faults() {
		out = append(out, faultListed{ID: f.Name, Fault: describeFault(f), Skip: f.Skip, Times: f.Times})
	}
	reply(w, http.StatusOK, struct {
		Success bool          `json:"success"`
		Faults  []faultListed `json:"faults"`
	}{true, out})
}

func (a *admin) clearFaults(w http.ResponseWriter, r *http.Request) {
	a.faults.clear()
	reply(w, http.StatusOK, answer{Success: true})
}

// reset puts the registry back as it started (the -seed or -state data),
// with no faults and an empty request record, so that a suite in another
// language can isolate its tests. The rate limit stays as set.
func (a *admin) reset(w http.ResponseWriter, r *http.Request) {
	a.rollback()
	a.faults.clear()
	a.reg.ResetRequests()
	reply(w, http.StatusOK, answer{Success: true})
}

// restore replaces the state with the snapshot in the body, all or
// nothing; faults and the request record stay.
func (a *admin) restore(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxSnapshotBody+1))
	if err != nil || len(data) > maxSnapshotBody {
		fail(w, http.StatusBadRequest, "could not read the body (at most 1 GiB)")
		return
	}
	if err := a.reg.Restore(data); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	reply(w, http.StatusOK, answer{Success: true})
}

const maxSnapshotBody = 1 << 30

func (a *admin) deleteFault(w http.ResponseWriter, r *http.Request) {
	if !a.faults.delete(r.PathValue("id")) {
		fail(w, http.StatusNotFound, "no fault with that id")
		return
	}
	reply(w, http.StatusOK, answer{Success: true})
}

func (a *admin) setRateLimit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		N      *int   `json:"n"`
		Window string `json:"window"`
		By     string `json:"by"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.N == nil || *body.N < 0 {
		fail(w, http.StatusBadRequest, `n is required: requests per window, 0 to turn the limit off`)
		return
	}
	var window time.Duration
	if *body.N > 0 {
		var err error
		if window, err = time.ParseDuration(body.Window); err != nil || window <= 0 {
			fail(w, http.StatusBadRequest, `window must be a positive duration such as "1m"`)
			return
		}
	}
	by := legiontest.ByToken
	switch body.By {
	case "", "token":
	case "address":
		by = legiontest.ByAddress
	default:
		fail(w, http.StatusBadRequest, `by must be "token" or "address"`)
		return
	}
	a.reg.SetRateLimit(*body.N, window, by)
	reply(w, http.StatusOK, answer{Success: true})
}

// recordedJSON is a legiontest.RecordedRequest with its body as text.
type recordedJSON struct {
	Method        string      `json:"method"`
	Path          string      `json:"path"`
	Query         string      `json:"query,omitempty"`
	Body          string      `json:"body,omitempty"`
	Authenticated bool        `json:"authenticated"`
	Status        int         `json:"status"`
	Header        http.Header `json:"header"`
	Time          string      `json:"time"`
	RequestID     string      `json:"requestId"`
	DurationMS    float64     `json:"durationMs"`
}

func (a *admin) requests(w http.ResponseWriter, r *http.Request) {
	recs := a.reg.Requests()
	out := make([]recordedJSON, len(recs))
	for i, q := range recs {
		body := string(q.Body)
		if !utf8.ValidString(body) {
			body = strings.ToValidUTF8(body, "\uFFFD")
		}
		out[i] = recordedJSON{q.Method, q.Path, q.Query, body, q.Authenticated, q.Status,
			q.Header, q.Time.UTC().Format("2006-01-02T15:04:05.000Z"), q.RequestID, float64(q.Duration) / float64(time.Millisecond)}
	}
	reply(w, http.StatusOK, struct {
		Success  bool           `json:"success"`
		Requests []recordedJSON `json:"requests"`
	}{true, out})
}

func (a *admin) resetRequests(w http.ResponseWriter, r *http.Request) {
	a.reg.ResetRequests()
	reply(w, http.StatusOK, answer{Success: true})
}

func (a *admin) snapshot(w http.ResponseWriter, r *http.Request) {
	data, err := a.reg.Snapshot()
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

const maxAdminBody = 1 << 20

// decode reads a JSON object body, whatever the Content-Type, refusing
// unknown fields as -seed does; it answers 400 itself and reports false
// when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil || len(data) > maxAdminBody {
		fail(w, http.StatusBadRequest, "could not read the body (at most 1 MiB)")
		return false
	}
	if b := bytes.TrimSpace(data); len(b) == 0 || b[0] != '{' {
		fail(w, http.StatusBadRequest, "the body must be a JSON object")
		return false
	}
	if err := checkKeys(data, reflect.TypeOf(v).Elem()); err != nil {
		fail(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // "tiems": 1 must not install a permanent fault
	if err := dec.Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return false
	}
	if dec.More() {
		fail(w, http.StatusBadRequest, "invalid JSON: data after the object")
		return false
	}
	return true
}

// checkKeys refuses a top-level key of the object in data that does not
// name a field of t by its JSON name, its Go name or that in lower case,
// and a field named twice. encoding/json matches any case and keeps the
// last of two keys, so that "TIMES" would count and {"times":1,"Times":0}
// install a permanent fault. Syntax errors are left to the decoder.
func checkKeys(data []byte, t reflect.Type) error {
	names := map[string]string{} // accepted key → field
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		for _, k := range []string{tag, f.Name, strings.ToLower(f.Name)} {
			if k != "" {
				names[k] = f.Name
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		field, ok := names[key]
		switch {
		case !ok:
			return fmt.Errorf("unknown field %q", key)
		case seen[field]:
			return fmt.Errorf("field %q given twice", key)
		}
		seen[field] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil
		}
	}
	return nil
}

// answer is the body of most admin answers.
type answer struct {
	Success bool   `json:"success"`
	Error   string `json:"error,omitempty"`
	ID      string `json:"id,omitempty"`
	Fault   string `json:"fault,omitempty"`
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, answer{Error: msg})
}
