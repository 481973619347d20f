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
