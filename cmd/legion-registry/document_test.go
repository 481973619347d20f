package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// The OpenAPI document is served at /api/v1/openapi.json, admin or not.
func TestOpenAPIDocumentServed(t *testing.T) {
	t.Parallel()
	in := start(t, "-admin=false")
	resp, err := http.Get(in.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(data, &doc) != nil || doc.OpenAPI != "3.1.0" || doc.Paths["/packages/publish"] == nil {
		t.Fatalf("GET /api/v1/openapi.json: %d, %.200s", resp.StatusCode, data)
	}
	if !bytes.Equal(data, openAPI) || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("served %d bytes (%s), want the embedded document", len(data), resp.Header.Get("Content-Type"))
	}
	if resp := do(t, "POST", in.URL+"/openapi.json", "", "{}", nil, nil); resp.StatusCode != 405 {
		t.Errorf("POST /api/v1/openapi.json: %d, want 405", resp.StatusCode)
	}
	// The registry still answers beside it.
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Errorf("GET /stats: %d", resp.StatusCode)
	}
}
