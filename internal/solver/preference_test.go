package solver

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// TestPreferences: which solution, when several exist.
func TestPreferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reg    registry
		root   deps
		locked map[string]string
		want   string
	}{{
		name: "newest allowed",
		reg:  registry{"c": {"1.0.0": nil, "1.4.2": nil, "2.0.0": nil}},
		root: deps{"c": "^1"},
		want: "c@1.4.2",
	}, {
		name:   "locked version kept while allowed",
		reg:    registry{"c": {"1.0.0": nil, "1.4.2": nil}},
		root:   deps{"c": "^1"},
		locked: map[string]string{"c": "1.0.0"},
		want:   "c@1.0.0",
	}, {
		name:   "locked version no longer allowed: newest",
		reg:    registry{"c": {"1.0.0": nil, "1.4.2": nil, "1.5.0": nil}},
		root:   deps{"c": "<1.5.0 >=1.1.0"},
		locked: map[string]string{"c": "1.0.0"},
		want:   "c@1.4.2",
	}, {
		name: "the issue's example: an older a makes room for b",
		reg: registry{
			"legion-a": {"1.0.0": {"legion-c": "^1"}, "1.1.0": {"legion-c": "^2"}},
			"legion-b": {"1.0.0": {"legion-c": "^1"}},
			"legion-c": {"1.0.0": nil, "2.0.0": nil},
		},
		root: deps{"legion-a": "^1", "legion-b": "^1"},
		want: "legion-a@1.0.0 legion-b@1.0.0 legion-c@1.0.0",
	}, {
		// Two solutions: b 2 with c 1, or b 1 with c 2. c (reached
		// through m) is farther from the project than b, so c gives way.
		name: "leaf versions roll back first",
		reg: registry{
			"b": {"1.0.0": nil, "2.0.0": nil},
			"m": {"1.0.0": {"c": "*"}},
			"c": {"1.0.0": {"b": "^2"}, "2.0.0": {"b": "^1"}},
		},
		root: deps{"b": "*", "m": "*"},
		want: "b@2.0.0 c@1.0.0 m@1.0.0",
	}, {
		// The same between a package's own dependencies: the one reached
		// later gives way.
		name: "leaf versions roll back first, one level down",
		reg: registry{
			"a": {"1.0.0": {"b": "*", "c": "^1"}, "2.0.0": {"b": "*", "c": "^2"}},
			"b": {"1.0.0": {"c": "*"}, "2.0.0": {"c": "^1"}},
			"c": {"1.0.0": nil, "2.0.0": nil},
		},
		root: deps{"a": "*"},
		want: "a@2.0.0 b@1.0.0 c@2.0.0",
	}, {
		// b and x are pinned (one version allowed), so they are decided
		// first; z, reached through them, is still farther from the
		// project than y, and gives way.
		name: "leaf versions roll back first, behind pinned packages",
		reg: registry{
			"a": {"1.0.0": {"y": "*"}, "1.1.0": {"y": "*"}},
			"b": {"1.0.0": {"x": "1.0.0"}, "2.0.0": nil},
			"x": {"1.0.0": {"z": "*"}, "2.0.0": nil},
			"y": {"1.0.0": nil, "2.0.0": {"z": "^1"}},
			"z": {"1.0.0": nil, "2.0.0": nil},
		},
		root: deps{"a": "*", "b": "1.0.0"},
		want: "a@1.1.0 b@1.0.0 x@1.0.0 y@2.0.0 z@1.0.0",
	}, {
		name: "a conflict three levels down",
		reg: registry{
			"a": {"1.0.0": {"b": "^1"}, "2.0.0": {"b": "^2"}},
			"b": {"1.0.0": {"c": "^1"}, "2.0.0": {"c": "^2"}},
			"c": {"1.0.0": nil, "2.0.0": {"d": "^1"}},
			"d": {"1.0.0": {"c": "^1"}},
		},
		root: deps{"a": "*"},
		want: "a@1.0.0 b@1.0.0 c@1.0.0",
	}, {
		name: "a dependency that exists only in an older version",
		reg: registry{
			"a":   {"1.0.0": {"old": "^1"}, "2.0.0": {"gone": "^1"}},
			"old": {"1.0.0": nil},
		},
		root: deps{"a": "*"},
		want: "a@1.0.0 old@1.0.0",
	}, {
		name: "the newest version's range matches nothing",
		reg: registry{
			"a": {"1.0.0": {"c": "^1"}, "1.1.0": {"c": "^7"}},
			"c": {"1.0.0": nil},
		},
		root: deps{"a": "^1"},
		want: "a@1.0.0 c@1.0.0",
	}, {
		name: "a cycle on an older version",
		reg: registry{
			"ping": {"1.0.0": {"pong": "^1"}, "2.0.0": {"pong": "^2"}},
			"pong": {"1.0.0": {"ping": "^1"}, "2.0.0": {"ping": "^1"}},
		},
		root: deps{"ping": "*"},
		want: "ping@1.0.0 pong@1.0.0",
	}, {
		name: "pre-releases only when a range names one",
		reg:  registry{"c": {"1.0.0": nil, "1.1.0-rc.1": nil}, "d": {"1.0.0": nil, "1.1.0-rc.1": nil}},
		root: deps{"c": "^1.0.0", "d": ">=1.1.0-rc.0"},
		want: "c@1.0.0 d@1.1.0-rc.1",
	}, {
		name: "a package depending on itself",
		reg:  registry{"a": {"1.0.0": {"a": "^1"}, "2.0.0": {"a": "^1"}}},
		root: deps{"a": "*"},
		want: "a@1.0.0",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sol, err := solveReg(tt.reg, tt.root, tt.locked)
			if err != nil {
				t.Fatal(err)
			}
			if got := show(sol); got != tt.want {
				t.Errorf("solved %s, want %s", got, tt.want)
			}
		})
	}
}

// TestUnusableVersion: a version the source marks unusable is skipped,
// and explained when nothing else will do.
func TestUnusableVersion(t *testing.T) {
	t.Parallel()
	src := &memSource{reg: registry{"a": {"1.0.0": nil, "2.0.0": nil}}, unusable: map[string]string{"a@2.0.0": "bad name"}}
	sol, err := Solve(context.Background(), Problem{Root: "app", Deps: deps{"a": "*"}, Source: src})
	if err != nil || show(sol) != "a@1.0.0" {
		t.Fatalf("solved %v, %v; want a@1.0.0", sol, err)
	}
	_, err = Solve(context.Background(), Problem{Root: "app", Deps: deps{"a": "^2"}, Source: src})
	if want := "Because app depends on a ^2 which cannot be used: bad name, version solving failed."; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestStepBound: the search stops at MaxSteps with a message that says so.
func TestStepBound(t *testing.T) {
	t.Parallel()
	reg, root := backtrackRegistry(5, 20, 2)
	_, err := Solve(context.Background(), Problem{Root: "app", Deps: root, Source: &memSource{reg: reg}, MaxSteps: 30})
	if !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "gave up after 30 units of work") {
		t.Fatalf("err = %v, want ErrTooComplex after 30 steps", err)
	}
	// The same problem within the default bound is solved.
	if _, err := Solve(context.Background(), Problem{Root: "app", Deps: root, Source: &memSource{reg: reg}}); err != nil {
		t.Fatal(err)
	}
}

// TestCancelled: a cancelled context stops the search.
func TestCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reg, root := treeRegistry(3, 3)
	if _, err := Solve(ctx, Problem{Deps: root, Source: &memSource{reg: reg}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestInvalidProjectRange: the project's own bad range is an error, not a
// failure to explain.
func TestInvalidProjectRange(t *testing.T) {
	t.Parallel()
	_, err := solveReg(registry{}, deps{"a": "not a range"}, nil)
	var f *Failure
	if err == nil || errors.As(err, &f) {
		t.Fatalf("err = %v, want a plain error", err)
	}
}

// TestSolutionCheck: the check a solution passes before Solve returns it
// rejects one that breaks a range, misses a dependency, or uses an
// unusable version.
func TestSolutionCheck(t *testing.T) {
	t.Parallel()
	v := func(s string, d deps, unusable string) Version {
		return Version{Version: semver.MustParse(s), Deps: d, Unusable: unusable}
	}
	parse := (&solver{}).parse
	good := &Solution{Packages: map[string]Version{"a": v("1.0.0", deps{"c": "^1"}, ""), "c": v("1.2.0", nil, "")}}
	if err := good.check(deps{"a": "^1"}, parse); err != nil {
		t.Errorf("a valid solution: %v", err)
	}
	for name, bad := range map[string]*Solution{
		"range broken":       {Packages: map[string]Version{"a": v("1.0.0", deps{"c": "^2"}, ""), "c": v("1.2.0", nil, "")}},
		"dependency missing": {Packages: map[string]Version{"a": v("1.0.0", deps{"c": "^1"}, "")}},
		"unusable version":   {Packages: map[string]Version{"a": v("1.0.0", nil, "no")}},
		"project's range":    {Packages: map[string]Version{"a": v("2.0.0", nil, "")}},
	} {
		if err := bad.check(deps{"a": "^1"}, parse); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
