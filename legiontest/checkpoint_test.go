package legiontest_test

import (
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// Checkpoint's rollback puts back packages, downloads, accounts and
// tokens, as many times as it is called, with search and listing in step.
func TestCheckpoint(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	if err := srv.SetDownloads("lib", 5); err != nil {
		t.Fatal(err)
	}
	rollback := srv.Checkpoint()
	c := srv.Client(legion.WithToken(tok))
	for round := range 2 {
		publish(t, c, legion.PublishRequest{Name: "other", Version: "1.0.0"})
		publish(t, c, legion.PublishRequest{Name: "lib", Version: "2.0.0"})
		if _, err := c.GetPackage(ctx(), "lib"); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.AddUser("bob", "bob@example.com", "bob-password"); err != nil {
			t.Fatal(err)
		}
		ct, err := c.CreateToken(ctx(), legion.CreateTokenRequest{Name: "ci", Scopes: []legion.Scope{legion.ScopeRead}})
		if err != nil {
			t.Fatal(err)
		}
		rollback()
		_, err = srv.Client(legion.WithToken(ct.Value.Reveal())).Me(ctx())
		wantStatus(t, err, 401, "")
		p, ok := srv.Package("lib")
		if !ok || p.Latest.Original() != "1.0.0" || p.Downloads != 5 {
			t.Fatalf("round %d: lib after rollback: %+v", round, p)
		}
		if _, ok := srv.Package("other"); ok {
			t.Fatalf("round %d: a package published after the checkpoint is still there", round)
		}
		res, err := c.Search(ctx(), "other", nil)
		if err != nil || len(res.Results) != 0 {
			t.Fatalf("round %d: search after rollback: %+v, %v", round, res, err)
		}
		list, err := c.ListPackages(ctx(), nil)
		if err != nil || len(list.Packages) != 1 || list.Packages[0].Name != "lib" {
			t.Fatalf("round %d: listing after rollback: %+v, %v", round, list, err)
		}
		if _, err := srv.AddUser("bob", "bob@example.com", "bob-password"); err != nil {
			t.Fatalf("round %d: bob, added after the checkpoint, is still there: %v", round, err)
		}
		rollback()
	}
}
