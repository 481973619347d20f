package legiontest_test

import (
	"strings"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// A seeded token can be old and unused for 100 days without clock tricks.
func TestSeedTokenTimes(t *testing.T) {
	t.Parallel()
	created, used := t0.Add(-200*24*time.Hour), t0.Add(-100*24*time.Hour+1500*time.Microsecond)
	const value = "lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	srv, _ := newServer(t, legiontest.WithSeed(legiontest.Seed{Users: []legiontest.SeedUser{{
		Username: "alice", Email: "alice@example.com", Password: "alice-password",
		Tokens: []legiontest.SeedToken{
			{Name: "stale", Scopes: []legion.Scope{legion.ScopeRead}, CreatedAt: created, LastUsedAt: used},
			{Name: "fresh", Value: value},
		},
	}}}))
	ts, err := srv.Client(legion.WithToken(value)).ListTokens(ctx())
	if err != nil || len(ts) != 2 {
		t.Fatalf("ListTokens: %+v, %v", ts, err)
	}
	if !ts[0].CreatedAt.Equal(created) || !ts[0].LastUsedAt.Equal(used.Truncate(time.Millisecond)) {
		t.Errorf("stale token: created %v, last used %v; want %v, %v", ts[0].CreatedAt, ts[0].LastUsedAt, created, used.Truncate(time.Millisecond))
	}
	if !ts[1].CreatedAt.Equal(t0) {
		t.Errorf("fresh token created %v, want the user's creation %v", ts[1].CreatedAt, t0)
	}

	_, err = legiontest.NewRegistry(legiontest.WithSeed(legiontest.Seed{Users: []legiontest.SeedUser{{
		Username: "bob", Email: "bob@example.com", Password: "bob-password",
		Tokens: []legiontest.SeedToken{{Name: "odd", CreatedAt: used, LastUsedAt: created}},
	}}}))
	if err == nil || !strings.Contains(err.Error(), "lastUsedAt is before createdAt") {
		t.Errorf("a token used before it was made: err = %v", err)
	}
}
