package legion

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStats(t *testing.T) {
	t.Parallel()
	forms(t, "stats", `{"packages":8,"downloads":23000,"users":3,"popular":[{"name":"legion-http","downloads":9000}]}`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			reply(w, 200, body)
		})
		got, err := c.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := &Stats{Packages: 8, Downloads: 23000, Users: 3, Popular: []Package{{Name: "legion-http", Downloads: 9000}}}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("Stats (-want +got):\n%s", diff)
		}
	})
}
