package solver

import (
	"context"
	"testing"
)

// TestWorkStaysLinear: in registries built so that every chain's conflict
// moves the chain's first package back, the search does not redo the
// other chains' decisions: its work is linear in the packages, where the
// plain breadth-first order costs about chains² × length decisions. It
// counts decisions and conflicts, not time.
func TestWorkStaysLinear(t *testing.T) {
	t.Parallel()
	const chains, length = 40, 20
	n := chains * length
	casc, cascRoot := cascadeRegistry(chains, length, 2, false)
	wide, wideRoot := cascadeRegistry(chains, length, 2, true)
	loop, loopRoot := loopRegistry(chains, length)
	for _, tt := range []struct {
		name                       string
		reg                        registry
		root                       deps
		maxDecisions, maxConflicts int
	}{
		// A chain of pins is decided down to its end before anything
		// else: each conflict moves one chain back.
		{"cascading", casc, cascRoot, 2 * n, 2 * chains},
		{"cascading-wide", wide, wideRoot, 2 * n, 2 * chains},
		// What every allowed version depends on is known before deciding:
		// the first package's bound arrives before it is decided.
		{"loop", loop, loopRoot, n + 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sol, err := Solve(context.Background(), Problem{Root: "app", Deps: tt.root, Source: &memSource{reg: tt.reg}})
			if err != nil {
				t.Fatal(err)
			}
			if len(sol.Packages) != n {
				t.Fatalf("%d packages, want %d", len(sol.Packages), n)
			}
			if sol.Decisions > tt.maxDecisions || sol.Conflicts > tt.maxConflicts {
				t.Errorf("%d decisions and %d conflicts, want at most %d and %d", sol.Decisions, sol.Conflicts, tt.maxDecisions, tt.maxConflicts)
			}
		})
	}
}
