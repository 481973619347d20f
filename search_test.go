package legion

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSearch(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/search", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testQuery(t, r, url.Values{"q": {"http & json"}, "limit": {"10"}})
		reply(w, 200, `{"success":true,"results":[{"name":"legion-http","score":12.5},{"name":"legion-json","score":3}],"total":2,"query":"http"}`)
	})
	got, err := c.Search(context.Background(), "http & json", &SearchOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := &SearchResult{Results: []Package{{Name: "legion-http", Score: 12.5}, {Name: "legion-json", Score: 3}}, Total: 2}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("Search (-want +got):\n%s", diff)
	}
}

// Without a total, the number of results stands in for it.
func TestSearchWithoutTotal(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.handle("/search", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"q": {"http"}})
		reply(w, 200, `{"success":true,"results":[{"name":"a"}]}`)
	})
	got, err := c.Search(context.Background(), "http", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 1 {
		t.Errorf("Total = %d, want 1", got.Total)
	}
}
