package legiontest_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func TestRecordedRequestTools(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	srv.AddFault(legiontest.Fault{Path: "/search", Times: 1, Disconnect: legiontest.ResetConnection})
	srv.ResetRequests()
	c := srv.Client(legion.WithToken(tok))
	publish(t, c, legion.PublishRequest{Name: "lib", Version: "1.1.0", Keywords: []string{"x"}})
	_, err := c.Publish(ctx(), legion.PublishRequest{Name: "lib", Version: "1.1.0"})
	wantStatus(t, err, 409, "")
	if _, err := c.ListPackages(ctx(), &legion.ListOptions{Page: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Search(ctx(), "x", nil); err != nil {
		t.Fatal(err)
	}

	var lines []string
	for _, q := range srv.Requests() {
		lines = append(lines, q.String())
	}
	want := []string{
		"POST /packages/publish → 201",
		"POST /packages/publish → 409",
		"GET /packages?page=2 → 200",
		"GET /search?q=x → reset",
		"GET /search?q=x → 200",
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
	if got := fmt.Sprint(srv.RequestsWithStatus(409)); got != "[POST /packages/publish → 409]" {
		t.Errorf("RequestsWithStatus(409) = %s", got)
	}
	if got := srv.RequestsWithStatus(201, 409); len(got) != 2 {
		t.Errorf("RequestsWithStatus(201, 409) = %v", got)
	}

	var body legion.PublishRequest
	if err := srv.Requests()[0].DecodeBody(&body); err != nil || body.Version != "1.1.0" || len(body.Keywords) != 1 {
		t.Errorf("DecodeBody = %+v, %v", body, err)
	}
	if err := srv.Requests()[2].DecodeBody(&body); err == nil {
		t.Error("DecodeBody of a GET without a body: no error")
	}
}
