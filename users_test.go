package legion

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetUser(t *testing.T) {
	t.Parallel()
	forms(t, "user", `{"username":"bob/x","createdAt":"2026-01-01T00:00:00Z","unknown":[1,2]}`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/users/bob%2Fx", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			reply(w, 200, body)
		})
		got, err := c.GetUser(context.Background(), "bob/x")
		if err != nil {
			t.Fatal(err)
		}
		want := &User{Username: "bob/x", CreatedAt: mustTime("2026-01-01T00:00:00Z")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetUser (-want +got):\n%s", diff)
		}
	})
}

func TestListUserPackages(t *testing.T) {
	t.Parallel()
	listForms(t, "packages", `[{"name":"a","latest":"1.0.0"},{"name":"b"}]`, func(t *testing.T, body string) {
		c, srv := setup(t)
		srv.handle("/users/alice/packages", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			reply(w, 200, body)
		})
		got, err := c.ListUserPackages(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		want := &PackageList{Packages: []Package{{Name: "a", Latest: mustVersion("1.0.0")}, {Name: "b"}}, Total: 2}
		if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
			t.Errorf("ListUserPackages (-want +got):\n%s", diff)
		}
	})
}
