package legiontest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// A word said twice in a query counts once: "http http" scores and ranks
// as "http" does, and "http HTTP client http" as "http client".
func TestSearchCountsRepeatedWordOnce(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	addUser(t, srv, "alice")
	for i, p := range []struct{ name, desc string }{
		{"http", "plain"}, {"http-client", "an http client"}, {"fetch", "speaks http"}, {"client", "not it"},
	} {
		err := srv.AddPackage(legiontest.SeedPackage{Name: p.name, Owner: "alice", Description: p.desc,
			Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}, Downloads: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	anon := srv.Client()
	for once, repeated := range map[string]string{"http": "http http", "http client": "http HTTP client http"} {
		want, err := anon.Search(ctx(), once, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := anon.Search(ctx(), repeated, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Results) == 0 {
			t.Fatalf("%q found nothing", once)
		}
		if diff := cmp.Diff(want.Results, got.Results, cmpOpts); diff != "" || got.Total != want.Total {
			t.Errorf("%q does not answer as %q (-want +got):\n%s total %d, want %d", repeated, once, diff, got.Total, want.Total)
		}
	}
	// The scores themselves: an exact name is 100, a name prefix 80 and a
	// name substring 60, each counted once.
	for q, want := range map[string]struct {
		name  string
		score float64
	}{"http http": {"http", 100}, "client http client": {"http-client", 140}} {
		res, err := anon.Search(ctx(), q, &legion.SearchOptions{Limit: 1})
		if err != nil || len(res.Results) != 1 || res.Results[0].Name != want.name || res.Results[0].Score != want.score {
			t.Errorf("%q = %+v, %v; want %s scored %v", q, res, err, want.name, want.score)
		}
	}
}
