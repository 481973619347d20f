package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/solver"
)

var pathological = flag.Bool("pathological", false, "run the solver on inputs that the step bound must stop (minutes of CPU when it does not)")

// pigeonholeSource is n+1 packages that must each take one of n holes:
// pigI@H.0.0 depends on holeH at exactly I.0.0. No solution exists, and
// any proof of that by resolution (what conflict-driven solving learns)
// is exponential in n.
type pigeonholeSource struct{ n int }

func (s pigeonholeSource) Versions(ctx context.Context, name string) ([]solver.Version, error) {
	var out []solver.Version
	var i, h int
	if _, err := fmt.Sscanf(name, "pig%d", &i); err == nil {
		for h := 1; h <= s.n; h++ {
			out = append(out, solver.Version{Version: semver.MustParse(fmt.Sprintf("%d.0.0", h)),
				Deps: map[string]string{fmt.Sprintf("hole%d", h): fmt.Sprintf("%d.0.0", i)}})
		}
		return out, nil
	}
	if _, err := fmt.Sscanf(name, "hole%d", &h); err == nil {
		for i := 1; i <= s.n+1; i++ {
			out = append(out, solver.Version{Version: semver.MustParse(fmt.Sprintf("%d.0.0", i)), Deps: map[string]string{}})
		}
		return out, nil
	}
	return nil, solver.ErrNotFound
}

// TestSolverStepBoundStopsPigeonhole (run with -pathological): the issue
// asks that a pathological input be stopped by a bound, with a message,
// never by running on. solver.DefaultMaxSteps (5,000,000 decisions plus
// conflicts) does not: a step's cost grows with what was learned. Measured
// on pigeonhole(10): 1,000 steps 58 ms / 20 MB allocated, 3,000 steps
// 486 ms / 78 MB, and the whole proof, in fewer than 10,000 steps, 5.8 s /
// 289 MB; through the CLI pigeonhole(11) takes 108 s and 1.3 GB of memory
// and ends in a conflict, the bound never reached. pigeonhole(12) runs far
// longer than this test's two minutes without reaching the bound.
func TestSolverStepBoundStopsPigeonhole(t *testing.T) {
	if !*pathological {
		t.Skip("minutes of CPU: run with -pathological")
	}
	const n = 12
	deps := map[string]string{}
	for i := 1; i <= n+1; i++ {
		deps[fmt.Sprintf("pig%d", i)] = "*"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := solver.Solve(ctx, solver.Problem{Root: "app", Deps: deps, Source: pigeonholeSource{n}})
	if !errors.Is(err, solver.ErrTooComplex) {
		t.Fatalf("pigeonhole(%d) with the default step bound: %.200v; want the bound to stop it (%v)", n, err, solver.ErrTooComplex)
	}
}
