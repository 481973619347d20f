package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

// FuzzAdminBodies posts arbitrary bodies to the admin routes that decode
// one: the answer is never a 5xx and always a JSON object, and nothing
// panics (legiontest.AddFault panics on a fault checkFault let through).
func FuzzAdminBodies(f *testing.F) {
	reg, err := legiontest.NewRegistry()
	if err != nil {
		f.Fatal(err)
	}
	a := newAdmin(reg, newFaultTable(reg), reg.Checkpoint())
	for _, s := range []string{
		`{"path":"/stats","status":503,"times":1}`,
		`{"Method":"GET","Path":"/users/*","Status":502,"Times":1,"Latency":1000000}`,
		`{"path":"/audit","bodyField":{"dependencies":"{}"},"status":503}`,
		`{"path":"/search","disconnect":"reset","header":{"X-A":["1","2"],"Retry-After":"5"}}`,
		`{"path":"/**","disconnect":7}`,
		`{"path":"/stats","status":500,"times":1,"Times":0}`,
		`{"n":5,"window":"1m","by":"address"}`,
		`{"n":-1}`,
		`{"path":"/stats","header":{"\u0000":"x"}}`,
		`{"path":"/a*b","status":200}`,
		`{"latency":"-1s"}`,
		`{`,
		`[]`,
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, rateLimit bool) {
		method, path := "POST", "/_admin/faults"
		if rateLimit {
			method, path = "PUT", "/_admin/rate-limit"
		}
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %q: answer is not a JSON object: %q", path, body, rec.Body)
		}
		if rec.Code == http.StatusCreated {
			a.faults.clear() // keep the table small
		}
		reg.SetRateLimit(0, 0, legiontest.ByToken)
	})
}
