package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func registry(t *testing.T) *legiontest.Server {
	t.Helper()
	v := func(vs ...string) []legiontest.SeedVersion {
		var out []legiontest.SeedVersion
		for _, s := range vs {
			out = append(out, legiontest.SeedVersion{Version: s})
		}
		return out
	}
	return legiontest.NewServer(t, legiontest.WithSeed(legiontest.Seed{
		Users: []legiontest.SeedUser{{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"}},
		Packages: []legiontest.SeedPackage{
			{Name: "legion-http", Owner: "bob", Versions: v("1.0.0", "1.2.0", "1.2.1")},
			{Name: "legion-json", Owner: "bob", Versions: v("2.0.0", "2.1.0")},
		},
		Advisories: []legiontest.SeedAdvisory{
			{Package: "legion-http", Affected: "<1.2.1", Severity: legion.SeverityHigh, Title: "Response splitting"},
			{Package: "legion-json", Affected: "2.0.0", Severity: legion.SeverityLow, Title: "Slow on deep nesting"},
		},
	}))
}

func manifest(t *testing.T, deps string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "legion.json")
	if err := os.WriteFile(name, []byte(`{"name":"my-app","version":"1.0.0","dependencies":`+deps+`}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

func audit(t *testing.T, srv *legiontest.Server, args ...string) (int, Report, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string {
		if k == "LEGION_REGISTRY" {
			return srv.URL
		}
		return ""
	}, &stdout, &stderr)
	var rep Report
	if stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("stdout is not a JSON report: %v\n%s", err, &stdout)
		}
	}
	return code, rep, stderr.String()
}

func TestAdvisoriesFailTheBuild(t *testing.T) {
	t.Parallel()
	srv := registry(t)
	code, rep, _ := audit(t, srv, "-manifest", manifest(t, `{"legion-http":"^1.0.0","legion-json":"^2.0.0"}`))
	if code != 1 || !rep.Failed || rep.Scanned != 2 || len(rep.Advisories) != 2 {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	if a := rep.Advisories[0]; a.Package != "legion-http" || a.Severity != legion.SeverityHigh || strings.Join(a.Versions, ",") != "1.0.0,1.2.0" {
		t.Fatalf("first advisory: %+v", a)
	}
	// The audit is a read: one POST /audit, no download counted.
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/audit" {
		t.Fatalf("requests: %+v", reqs)
	}
}

func TestFailOnThreshold(t *testing.T) {
	t.Parallel()
	srv := registry(t)
	m := manifest(t, `{"legion-json":"^2.0.0"}`) // only the low advisory
	if code, rep, _ := audit(t, srv, "-manifest", m, "-fail-on", "moderate"); code != 0 || rep.Failed || len(rep.Advisories) != 1 {
		t.Fatalf("low advisory with -fail-on moderate: exit %d, %+v", code, rep)
	}
	if code, _, _ := audit(t, srv, "-manifest", m); code != 1 {
		t.Fatalf("low advisory with the default -fail-on low: exit %d", code)
	}
}

func TestCleanAndProblems(t *testing.T) {
	t.Parallel()
	srv := registry(t)
	code, rep, _ := audit(t, srv, "-manifest", manifest(t, `{"legion-http":"^1.2.1","legion-nope":"^1.0.0"}`))
	if code != 0 || rep.Failed || len(rep.Advisories) != 0 || len(rep.Problems) != 1 || rep.Problems[0].Package != "legion-nope" {
		t.Fatalf("exit %d, report %+v", code, rep)
	}
	code, rep, _ = audit(t, srv, "-manifest", manifest(t, `{}`))
	if code != 0 || rep.Scanned != 0 || rep.Advisories == nil {
		t.Fatalf("no dependencies: exit %d, %+v", code, rep)
	}
}

func TestErrorsExit2(t *testing.T) {
	t.Parallel()
	srv := registry(t)
	if code, _, msg := audit(t, srv, "-manifest", filepath.Join(t.TempDir(), "missing.json")); code != 2 || msg == "" {
		t.Errorf("missing manifest: exit %d %q", code, msg)
	}
	if code, _, msg := audit(t, srv, "-manifest", manifest(t, `{"legion-http":"not a range"}`)); code != 2 || !strings.Contains(msg, "legion-http") {
		t.Errorf("invalid range: exit %d %q", code, msg)
	}
	if code, _, _ := audit(t, srv, "-fail-on", "severe"); code != 2 {
		t.Errorf("bad -fail-on: exit %d", code)
	}
	srv.AddFault(legiontest.Fault{Path: "/audit", Status: 400, Times: 1})
	if code, _, msg := audit(t, srv, "-manifest", manifest(t, `{}`)); code != 2 || !strings.Contains(msg, "400") {
		t.Errorf("registry error: exit %d %q", code, msg)
	}
}
