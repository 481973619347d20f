package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
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

// TestSolverStepBoundStopsPigeonhole: the issue asks that a pathological
// input be stopped by a bound, with a message, never by running on. A
// pigeonhole has no solution and every proof of that by resolution is
// exponential. When the bound counted decisions plus conflicts only,
// pigeonhole(11) took 108 s and 1.3 GB and pigeonhole(12) ran for hours:
// each step grew dearer with what was learned. The bound now counts the
// terms examined, and stops pigeonhole(12) in about a second (-race: a
// few); the context's deadline only keeps a regression from hanging the
// run.
func TestSolverStepBoundStopsPigeonhole(t *testing.T) {
	t.Parallel()
	n := 12
	if !*pathological {
		n = 9 // the default run: the same shape, smaller
	}
	deps := map[string]string{}
	for i := 1; i <= n+1; i++ {
		deps[fmt.Sprintf("pig%d", i)] = "*"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bound := 0 // the default
	if !*pathological {
		bound = 2_000_000
	}
	_, err := solver.Solve(ctx, solver.Problem{Root: "app", Deps: deps, Source: pigeonholeSource{n}, MaxSteps: bound})
	if !errors.Is(err, solver.ErrTooComplex) || !strings.Contains(err.Error(), "version solving gave up after") {
		t.Fatalf("pigeonhole(%d): %.200v; want the bound to stop it (%v)", n, err, solver.ErrTooComplex)
	}
}

// TestLongExplanationIsCut: stderr gets the beginning and the conclusion of
// a long derivation, and says how much it left out; --json has all of it.
func TestLongExplanationIsCut(t *testing.T) {
	t.Parallel()
	const n = 6 // 7 pigeons, 6 holes: a proof of several hundred lines
	pkgs := map[string]map[string]deps{}
	root := deps{}
	for i := 1; i <= n+1; i++ {
		pig := fmt.Sprintf("pig%d", i)
		root[pig] = "*"
		pkgs[pig] = map[string]deps{}
		for h := 1; h <= n; h++ {
			pkgs[pig][fmt.Sprintf("%d.0.0", h)] = deps{fmt.Sprintf("hole%d", h): fmt.Sprintf("%d.0.0", i)}
		}
	}
	for h := 1; h <= n; h++ {
		hole := fmt.Sprintf("hole%d", h)
		pkgs[hole] = map[string]deps{}
		for i := 1; i <= n+1; i++ {
			pkgs[hole][fmt.Sprintf("%d.0.0", i)] = deps{}
		}
	}
	s := &Solver{Root: "app", Source: &memSource{pkgs: pkgs}}
	_, err := s.Solve(context.Background(), root)
	var se *SolveError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	full := strings.Count(se.Error(), "\n")
	line := errorLine(wrap(err, "install"))
	got := strings.Split(line, "\n")
	if full <= maxExplanationLines || len(got) != maxExplanationLines+1 {
		t.Fatalf("explanation of %d lines printed as %d", full, len(got))
	}
	if !strings.Contains(line, "more lines of the derivation (--json prints all of it)") || !strings.HasSuffix(line, "version solving failed.") {
		t.Errorf("cut explanation:\n%s", line)
	}
}
