package legiontest_test

import (
	"encoding/json"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func snapshotIterations(t *testing.T, r *legiontest.Registry) []int {
	t.Helper()
	data, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Users []struct {
			Password struct{ Iterations int } `json:"password"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, u := range snap.Users {
		out = append(out, u.Password.Iterations)
	}
	return out
}

// Hashing is cheap by default and strong on request; a hash keeps its own
// count across a snapshot, and logs in either way.
func TestPasswordIterations(t *testing.T) {
	t.Parallel()
	cheap, _ := newServer(t)
	strong, _ := newServer(t, legiontest.WithPasswordIterations(legiontest.StrongPasswordIterations))
	for _, srv := range []*legiontest.Server{cheap, strong} {
		if _, err := srv.AddUser("alice", "alice@example.com", "alice-password"); err != nil {
			t.Fatal(err)
		}
	}
	if got := snapshotIterations(t, cheap.Registry); len(got) != 1 || got[0] != legiontest.DefaultPasswordIterations {
		t.Errorf("default iterations in the snapshot: %v, want [1]", got)
	}
	if got := snapshotIterations(t, strong.Registry); len(got) != 1 || got[0] != 10_000 {
		t.Errorf("strong iterations in the snapshot: %v, want [10000]", got)
	}
	// A strong hash restored into a cheap registry still verifies.
	data, err := strong.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := cheap.Restore(data); err != nil {
		t.Fatal(err)
	}
	if _, err := cheap.Client().Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("alice-password")}); err != nil {
		t.Errorf("login after restoring a strong hash: %v", err)
	}
	_, err = cheap.Client().Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret("alice-passwore")})
	wantStatus(t, err, 401, "")
	for _, n := range []int{0, -1, 10_000_001} {
		if _, err := legiontest.NewRegistry(legiontest.WithPasswordIterations(n)); err == nil {
			t.Errorf("WithPasswordIterations(%d) accepted", n)
		}
	}
}
