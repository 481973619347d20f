package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSolveLockedVersionGivesWayWhenNeeded: a locked package is first
// taken from the lock alone; when the failure involves it, its versions
// are listed and it moves, while the other locked packages stay put
// without a request.
func TestSolveLockedVersionGivesWayWhenNeeded(t *testing.T) {
	lock := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{
		"a": {Version: "1.0.0", Dependencies: deps{"c": "^1"}},
		"c": {Version: "1.0.0"},
	}}
	src := &memSource{pkgs: map[string]map[string]deps{
		"a": {"1.0.0": {"c": "^1"}, "1.5.0": {"c": "^1"}},
		"b": {"1.0.0": {"c": "^1.1"}},
		"c": {"1.0.0": nil, "1.1.0": nil, "1.2.0": nil},
	}}
	res, err := solve(t, src, lock, deps{"a": "^1", "b": "^1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := versions(res), "a@1.0.0 b@1.0.0 c@1.2.0"; got != want {
		t.Errorf("resolved %s, want %s", got, want)
	}
	if got, want := src.sortedCalls(), []string{"versions b", "versions c"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

// TestSolveStepBound: a search that exceeds its bound stops with a
// message that says so.
func TestSolveStepBound(t *testing.T) {
	pkgs := map[string]map[string]deps{}
	root := deps{}
	for i := 0; i < 6; i++ {
		n := fmt.Sprintf("p%d", i)
		root[n] = "*"
		pkgs[n] = map[string]deps{}
		for v := 0; v < 6; v++ {
			// Every version of each package excludes the next package's
			// same version: a search with many dead ends.
			pkgs[n][fmt.Sprintf("1.%d.0", v)] = deps{fmt.Sprintf("p%d", (i+1)%6): fmt.Sprintf("1.%d.x", v)}
		}
	}
	s := &Solver{Root: "app", Source: &memSource{pkgs: pkgs}, MaxSteps: 5}
	_, err := s.Solve(context.Background(), root)
	if err == nil || !strings.Contains(err.Error(), "version solving gave up after 5 units of work") {
		t.Fatalf("err = %v, want the bound named", err)
	}
}
