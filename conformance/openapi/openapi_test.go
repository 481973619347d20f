// Package openapi keeps openapi.yaml (at the repository's root) true: the
// document must be valid OpenAPI 3.1, every request and response of the
// conformance suite must match it, and legion-registry must serve it. It is
// a module of its own so that the SDK's go.mod keeps its dependencies.
//
// By default the suite runs against the fake. With LEGION_LIVE_URL (and
// LEGION_LIVE_TOKEN) it runs against that registry, and the failures are
// where the live registry and this document disagree:
//
//	LEGION_LIVE_URL=https://…/api/v1 LEGION_LIVE_TOKEN=lgn_… go -C conformance/openapi test -count=1 ./...
package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/legion-registry/legion-go/legiontest"
	"go.yaml.in/yaml/v4"
)

var update = flag.Bool("update", false, "rewrite cmd/legion-registry/openapi.json from openapi.yaml")

const (
	docPath    = "../../openapi.yaml"
	servedPath = "../../cmd/legion-registry/openapi.json"
)

func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(docPath)
	if err != nil {
		t.Fatalf("loading %s: %v", docPath, err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("%s is OpenAPI %s, want 3.1", docPath, doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not valid: %v", docPath, err)
	}
	return doc
}

func TestDocumentIsValid(t *testing.T) { loadDoc(t) }

// TestServedDocumentIsCurrent: legion-registry embeds openapi.json, the
// YAML as JSON; -update rewrites it.
func TestServedDocumentIsCurrent(t *testing.T) {
	src, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	want, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	if *update {
		if err := os.WriteFile(servedPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(servedPath)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is not openapi.yaml as JSON (%v); run: go -C conformance/openapi test -run TestServedDocumentIsCurrent -update", servedPath, err)
	}
}

// TestConformanceTrafficMatchesDocument runs the conformance suite with
// every exchange recorded (legiontest.Record), then checks each against the
// document: every response (status, headers, body) must be one the
// document allows, and every request the registry accepted (a 2xx) must be
// one it describes. Requests answered 4xx are the suite provoking errors on
// purpose and are not held to the request schemas. Every operation must be
// exercised. The requests' headers are not recorded, so security is not
// checked here (legiontest's tests cover it).
func TestConformanceTrafficMatchesDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the conformance suite")
	}
	doc := loadDoc(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "test", "-count=1", "./conformance")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "LEGION_LIVE_RECORD="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the conformance suite failed: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) < 50 {
		t.Fatalf("only %d exchanges recorded", len(files))
	}
	base := strings.TrimSuffix(doc.Servers[0].URL, "/")
	exercised := map[string]bool{}
	var failures []string
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f legiontest.Fixture
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := check(router, base, f, exercised); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %s %s → %d: %v", filepath.Base(name), f.Method, f.Path, f.Status, err))
		}
	}
	for _, e := range failures {
		t.Error(e)
	}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !exercised[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations the suite never exercised: %v", missing)
	}
	t.Logf("%d exchanges checked against %s", len(files), docPath)
}

// check validates one recorded exchange.
func check(router routers.Router, base string, f legiontest.Fixture, exercised map[string]bool) error {
	var body io.Reader
	if f.Request != "" {
		body = strings.NewReader(f.Request)
	}
	req, err := http.NewRequest(f.Method, base+f.Path, body)
	if err != nil {
		return err
	}
	if f.Request != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no operation in the document: %w", err)
	}
	exercised[f.Method+" "+route.Path] = true
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	var errs []error
	if f.Status >= 200 && f.Status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			errs = append(errs, fmt.Errorf("request: %w", err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 f.Status,
		Header:                 f.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes([]byte(f.Body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	if f.Status == http.StatusTooManyRequests && f.Header.Get("Retry-After") == "" {
		errs = append(errs, errors.New("a 429 without Retry-After"))
	}
	if f.Header.Get("X-Request-Id") == "" {
		errs = append(errs, errors.New("no X-Request-Id"))
	}
	return errors.Join(errs...)
}
