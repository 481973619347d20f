package main

import (
	_ "embed"
	"net/http"
	"strconv"

	"github.com/legion-registry/legion-go/legiontest"
)

// openAPI is openapi.yaml (at the repository's root) as JSON; the
// conformance/openapi module's TestServedDocumentIsCurrent keeps it so
// (go -C conformance/openapi test -run TestServedDocumentIsCurrent -update).
//
//go:embed openapi.json
var openAPI []byte

// documentPath is where the document is served, beside the API.
const documentPath = legiontest.BasePath + "/openapi.json"

// withDocument serves the OpenAPI document at documentPath (GET and HEAD)
// and hands every other request to next.
func withDocument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != documentPath {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			fail(w, http.StatusMethodNotAllowed, "method not allowed; use GET")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(openAPI)))
		h.Set("Access-Control-Allow-Origin", "*") // for documentation viewers
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(openAPI)
		}
	})
}
