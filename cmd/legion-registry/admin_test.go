package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
)

// An admin body with a misspelt field is refused, as -seed refuses one:
// "tiems" would otherwise install a permanent fault.
func TestAdminFaultUnknownField(t *testing.T) {
	t.Parallel()
	in := start(t)
	for _, body := range []string{
		`{"path":"/stats","status":500,"tiems":1}`,
		`{"path":"/stats","stauts":500}`,
		`{"path":"/stats","status":500} {}`,
		`{"path":"/stats","status":500,"onClock":true,"latency":"1s"}`,
		`{"path":"/stats","disconnect":"sometimes"}`,
	} {
		var e adminAnswer
		if resp := do(t, "POST", in.Root+"/_admin/faults", "", body, nil, &e); resp.StatusCode != 400 || e.Error == "" {
			t.Errorf("POST /_admin/faults %s: %d %+v, want 400", body, resp.StatusCode, e)
		}
	}
	var list faultList
	do(t, "GET", in.Root+"/_admin/faults", "", "", nil, &list)
	if len(list.Faults) != 0 {
		t.Errorf("faults installed by refused bodies: %+v", list.Faults)
	}
	var e adminAnswer
	if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", `{"n":1,"windw":"1m"}`, nil, &e); resp.StatusCode != 400 || !strings.Contains(e.Error, "windw") {
		t.Errorf("rate limit with a misspelt field: %d %+v", resp.StatusCode, e)
	}
}

type faultList struct {
	Success bool `json:"success"`
	Faults  []struct {
		ID    string `json:"id"`
		Fault string `json:"fault"`
		Skip  int    `json:"skip"`
		Times int    `json:"times"`
	} `json:"faults"`
}

func TestAdminFaultListClearAndNewFields(t *testing.T) {
	t.Parallel()
	in := start(t, "-fault", "GET /stats 500")
	var a adminAnswer
	do(t, "POST", in.Root+"/_admin/faults", "", `{"path":"/packages","query":{"sort":"name"},"status":502,"skip":1,"times":2}`, nil, &a)
	do(t, "POST", in.Root+"/_admin/faults", "", `{"path":"/audit","bodyField":{"dependencies":"{}"},"status":503}`, nil, nil)
	do(t, "POST", in.Root+"/_admin/faults", "", `{"path":"/search","disconnect":"reset"}`, nil, nil)

	status := func(method, path, body string) int {
		t.Helper()
		return do(t, method, in.URL+path, "", body, nil, nil).StatusCode
	}
	got := []int{status("GET", "/packages?sort=name", ""), status("GET", "/packages?sort=name", ""), status("GET", "/packages", ""),
		status("POST", "/audit", `{"dependencies":{}}`), status("POST", "/audit", `{"dependencies":{"x":"1"}}`)}
	if diff := cmp.Diff([]int{200, 502, 200, 503, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if _, err := http.Get(in.URL + "/search?q=x"); err == nil {
		t.Error("GET /search under a reset fault answered")
	}

	var list faultList
	do(t, "GET", in.Root+"/_admin/faults", "", "", nil, &list)
	var ids []string
	for _, f := range list.Faults {
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{"1", a.ID, "3", "4"}, ids); diff != "" {
		t.Fatalf("listed ids (-want +got):\n%s", diff)
	}
	if f := list.Faults[1]; f.Times != 1 || f.Skip != 0 || !strings.Contains(f.Fault, "GET") && !strings.Contains(f.Fault, "/packages") {
		t.Errorf("listed %+v, want one answer left", f)
	}
	if !strings.Contains(list.Faults[3].Fault, "connection reset") {
		t.Errorf("listed %+v", list.Faults[3])
	}
	if resp := do(t, "DELETE", in.Root+"/_admin/faults", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("DELETE /_admin/faults: %d", resp.StatusCode)
	}
	do(t, "GET", in.Root+"/_admin/faults", "", "", nil, &list)
	if len(list.Faults) != 0 || status("GET", "/stats", "") != 200 {
		t.Errorf("after clearing: %+v, /stats %d", list.Faults, status("GET", "/stats", ""))
	}
}

// reset brings back the data the server started with (here a -seed) and
// clears faults and the record; restore loads a snapshot.
func TestAdminResetAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, "-seed", seed)
	ctx := context.Background()
	c := sdk(t, in.URL, legion.WithToken("lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"))
	if _, err := c.Publish(ctx, legion.PublishRequest{Name: "legion-new", Version: "1.0.0"}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(in.Root + "/_admin/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	withNew, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	do(t, "POST", in.Root+"/_admin/faults", "", `{"path":"/stats","status":500}`, nil, nil)

	if resp := do(t, "POST", in.Root+"/_admin/reset", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if _, err := c.GetPackage(ctx, "legion-new"); !errors.Is(err, legion.ErrNotFound) {
		t.Errorf("after reset, the package published since start: %v", err)
	}
	if p, err := c.GetPackage(ctx, "legion-http"); err != nil || p.Downloads != 43 {
		t.Errorf("after reset, the seeded package: %+v, %v (want the seed's 43)", p, err)
	}
	if _, err := c.Stats(ctx); err != nil {
		t.Errorf("after reset, a fault is left: %v", err)
	}
	var rec struct {
		Requests []struct{ Path string } `json:"requests"`
	}
	do(t, "GET", in.Root+"/_admin/requests", "", "", nil, &rec)
	if len(rec.Requests) != 3 {
		t.Errorf("after reset the record holds %d requests, want the 3 since", len(rec.Requests))
	}

	if resp := do(t, "POST", in.Root+"/_admin/restore", "", string(withNew), nil, nil); resp.StatusCode != 200 {
		t.Fatalf("restore: %d", resp.StatusCode)
	}
	if _, err := c.GetPackage(ctx, "legion-new"); err != nil {
		t.Errorf("after restore: %v", err)
	}
	var e adminAnswer
	if resp := do(t, "POST", in.Root+"/_admin/restore", "", `{"format":1,"users":[{"username":"x"}]}`, nil, &e); resp.StatusCode != 400 || e.Error == "" {
		t.Errorf("restore of a bad snapshot: %d %+v", resp.StatusCode, e)
	}
	if _, err := c.GetPackage(ctx, "legion-new"); err != nil {
		t.Errorf("a refused restore changed the state: %v", err)
	}
}

// An admin body names each field once, by its JSON name or its Go name:
// encoding/json's case-insensitive match would take "STATUS" or "tImEs",
// and of {"times":1,"Times":0} keep the last, installing a permanent fault
// where the caller may have meant one.
func TestAdminKeysExactAndOnce(t *testing.T) {
	t.Parallel()
	in := start(t)
	for _, body := range []string{
		`{"path":"/stats","STATUS":500}`,
		`{"path":"/stats","status":500,"tImEs":1}`,
		`{"path":"/stats","status":500,"times":1,"Times":0}`,
		`{"path":"/stats","status":500,"times":1,"times":0}`,
		`{"path":"/stats","status":500,"bodyfield":{"name":"x"},"BodyField":{}}`,
	} {
		var e adminAnswer
		if resp := do(t, "POST", in.Root+"/_admin/faults", "", body, nil, &e); resp.StatusCode != 400 || e.Error == "" {
			t.Errorf("POST /_admin/faults %s: %d %+v, want 400", body, resp.StatusCode, e)
		}
	}
	for _, body := range []string{`{"n":5,"window":"1m","N":0}`, `{"n":5,"window":"1m","WINDOW":"1h"}`} {
		var e adminAnswer
		if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", body, nil, &e); resp.StatusCode != 400 || e.Error == "" {
			t.Errorf("PUT /_admin/rate-limit %s: %d %+v, want 400", body, resp.StatusCode, e)
		}
	}
	var list faultList
	do(t, "GET", in.Root+"/_admin/faults", "", "", nil, &list)
	if len(list.Faults) != 0 {
		t.Errorf("faults installed by refused bodies: %+v", list.Faults)
	}
	// Both documented spellings still work.
	for _, body := range []string{`{"path":"/stats","status":500,"bodyField":{"a":"1"},"times":1}`, `{"Path":"/stats","Status":500,"BodyField":{"a":"1"},"Times":1}`} {
		if resp := do(t, "POST", in.Root+"/_admin/faults", "", body, nil, nil); resp.StatusCode != 201 {
			t.Errorf("POST /_admin/faults %s: %d, want 201", body, resp.StatusCode)
		}
	}
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	in := start(t, "-fault", "GET /stats 500:1")
	ctx := context.Background()
	c := sdk(t, in.URL, legion.WithMaxAttempts(1))

	// The -fault flag's fault answers once, then is gone.
	if _, err := c.Stats(ctx); !errors.Is(err, legion.ErrServer) {
		t.Fatalf("Stats under -fault: %v, want ErrServer", err)
	}
	if _, err := c.Stats(ctx); err != nil {
		t.Fatalf("Stats after the fault ran out: %v", err)
	}

	// Add one over HTTP, with a header and a custom body.
	var a adminAnswer
	resp := do(t, "POST", in.Root+"/_admin/faults", "",
		`{"method":"GET","path":"/packages/*","status":503,"header":{"Retry-After":"0"},"body":"<html>down</html>"}`, nil, &a)
	if resp.StatusCode != http.StatusCreated || a.ID == "" {
		t.Fatalf("POST /_admin/faults: %d %+v", resp.StatusCode, a)
	}
	resp = do(t, "GET", in.URL+"/packages/legion-x", "", "", nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "0" {
		t.Fatalf("under the fault: %d %v", resp.StatusCode, resp.Header)
	}
	_, err := c.GetPackage(ctx, "legion-x")
	var le *legion.Error
	if !errors.As(err, &le) || le.StatusCode != 503 || !strings.Contains(le.Message, "down") {
		t.Fatalf("SDK under the fault: %v", err)
	}
	// Other paths are untouched.
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("GET /stats beside the fault: %d", resp.StatusCode)
	}

	// Remove it: the real answer (404) comes back; removing twice is 404.
	if resp := do(t, "DELETE", in.Root+"/_admin/faults/"+a.ID, "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("DELETE fault: %d", resp.StatusCode)
	}
	if _, err := c.GetPackage(ctx, "legion-x"); !errors.Is(err, legion.ErrNotFound) {
		t.Fatalf("after removing the fault: %v, want ErrNotFound", err)
	}
	if resp := do(t, "DELETE", in.Root+"/_admin/faults/"+a.ID, "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("DELETE a removed fault: %d, want 404", resp.StatusCode)
	}

	// Latency as a duration, Times, a Go-marshalled Fault (nanoseconds).
	do(t, "POST", in.Root+"/_admin/faults", "application/json",
		`{"Method":"GET","Path":"/users/*","Status":502,"Times":1,"Latency":1000000}`, nil, &a)
	if resp := do(t, "GET", in.URL+"/users/nobody", "", "", nil, nil); resp.StatusCode != 502 {
		t.Fatalf("Go-shaped fault: %d", resp.StatusCode)
	}
	if resp := do(t, "GET", in.URL+"/users/nobody", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("after Times ran out: %d", resp.StatusCode)
	}

	// Faults legiontest would panic on are a 400.
	for _, body := range []string{
		`{"status":700}`, `{"path":"/packages/[","status":500}`, `{"times":-1,"status":500}`,
		`{"latency":"soon","status":500}`, `{"header":{"X":5},"status":500}`, `[]`, ``, `{"status":"500"}`,
	} {
		var e adminAnswer
		if resp := do(t, "POST", in.Root+"/_admin/faults", "", body, nil, &e); resp.StatusCode != 400 || e.Error == "" {
			t.Errorf("POST /_admin/faults %s: %d %+v, want 400 with an error", body, resp.StatusCode, e)
		}
	}
	if resp := do(t, "GET", in.Root+"/_admin/nope", "", "", nil, nil); resp.StatusCode != 404 {
		t.Errorf("unknown admin route: %d", resp.StatusCode)
	}
}

func TestAdminRequestsSnapshotRateLimit(t *testing.T) {
	t.Parallel()
	in := start(t)
	do(t, "POST", in.URL+"/auth/signup", "", `{"username":"carol","email":"carol@example.com","password":"carolpass1"}`, nil, nil)
	do(t, "GET", in.URL+"/search?q=http", "", "", nil, nil)

	var rec struct {
		Success  bool `json:"success"`
		Requests []struct {
			Method, Path, Query, Body string
			Authenticated             bool
			Status                    int
			Header                    http.Header
			Time, RequestID           string
			DurationMS                float64
		} `json:"requests"`
	}
	do(t, "GET", in.Root+"/_admin/requests", "", "", nil, &rec)
	if len(rec.Requests) != 2 || rec.Requests[0].Path != "/auth/signup" || rec.Requests[0].Status != 201 ||
		rec.Requests[1].Query != "q=http" || strings.Contains(rec.Requests[0].Body, "carolpass1") {
		t.Fatalf("request record: %+v", rec)
	}
	if q := rec.Requests[1]; q.RequestID == "" || q.Header.Get("User-Agent") == "" || !strings.HasSuffix(q.Time, "Z") || q.DurationMS <= 0 {
		t.Errorf("request record lacks header, time, request id or duration: %+v", q)
	}
	do(t, "POST", in.Root+"/_admin/reset-requests", "", "", nil, nil)
	do(t, "GET", in.Root+"/_admin/requests", "", "", nil, &rec)
	if rec.Requests == nil || len(rec.Requests) != 0 {
		t.Fatalf("after reset: %+v", rec)
	}

	var snap struct {
		Format int `json:"format"`
		Users  []struct {
			Username string `json:"username"`
		} `json:"users"`
	}
	if resp := do(t, "GET", in.Root+"/_admin/snapshot", "", "", nil, &snap); resp.StatusCode != 200 || len(snap.Users) != 1 || snap.Users[0].Username != "carol" {
		t.Fatalf("snapshot: %d %+v", resp.StatusCode, snap)
	}

	// Rate limit over HTTP: 2 per minute by address, then off again.
	if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", `{"n":2,"window":"1m","by":"address"}`, nil, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT rate-limit: %d", resp.StatusCode)
	}
	for i := range 2 {
		if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d under the limit: %d", i+1, resp.StatusCode)
		}
	}
	resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	do(t, "PUT", in.Root+"/_admin/rate-limit", "", `{"n":0}`, nil, nil)
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("after turning the limit off: %d", resp.StatusCode)
	}
	for _, body := range []string{`{}`, `{"n":5}`, `{"n":5,"window":"1m","by":"ip"}`, `{"n":-1}`} {
		if resp := do(t, "PUT", in.Root+"/_admin/rate-limit", "", body, nil, nil); resp.StatusCode != 400 {
			t.Errorf("PUT rate-limit %s: %d, want 400", body, resp.StatusCode)
		}
	}
}

func TestAdminDisabled(t *testing.T) {
	t.Parallel()
	in := start(t, "-admin=false")
	if resp := do(t, "GET", in.Root+"/_admin/requests", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("-admin=false: GET /_admin/requests = %d, want 404", resp.StatusCode)
	}
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("the API with -admin=false: %d", resp.StatusCode)
	}
}
