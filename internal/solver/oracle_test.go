package solver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

var (
	long  = flag.Bool("long", false, "run the exhaustive oracle over 10,000 registries instead of 400")
	seeds = flag.Int("oracle.seeds", 0, "run the exhaustive oracle over this many registries")
)

// Version and range pools for random registries: pre-releases, "||",
// x-ranges, exact versions and ranges that match nothing are all in.
var (
	oracleVersions = []string{"0.1.0", "1.0.0", "1.1.0", "1.2.0-rc.1", "1.2.0", "2.0.0-beta.1", "2.0.0", "2.1.0", "3.0.0"}
	oracleRanges   = []string{"*", "*", "^1", "^1", ">=1.0.0", "^2 || ^1", "^1.1.0", "~1.1", "1.x", ">=1.1.0 <2", "^1 || ^3", "^2", "2.x || 0.1.x",
		">=2.0.0-beta.0", "1.2.0-rc.1", "^1.2.0-rc.0", "2.0.0", "<1.1.0", "^9", "0.x"}
)

// randomRegistry builds 4–7 packages of 2–5 versions with 0–2 dependencies
// each (on any package, itself included, so cycles are common, and now and
// then on a package that does not exist), and a project needing 1–2 of them.
func randomRegistry(rng *rand.Rand) (registry, deps) {
	n := 4 + rng.Intn(4)
	name := func(i int) string {
		if i == n {
			return "ghost"
		}
		return fmt.Sprintf("p%d", i)
	}
	pick := func() string {
		if rng.Intn(40) == 0 {
			return name(n)
		}
		return name(rng.Intn(n))
	}
	reg := registry{}
	for i := 0; i < n; i++ {
		vs := map[string]map[string]string{}
		for _, j := range rng.Perm(len(oracleVersions))[:2+rng.Intn(4)] {
			d := deps{}
			for k := rng.Intn(3); k > 0; k-- {
				d[pick()] = oracleRanges[rng.Intn(len(oracleRanges))]
			}
			vs[oracleVersions[j]] = d
		}
		reg[name(i)] = vs
	}
	root := deps{}
	for k := 1 + rng.Intn(2); k > 0; k-- {
		root[name(rng.Intn(n))] = oracleRanges[rng.Intn(len(oracleRanges))]
	}
	return reg, root
}

// bruteForce reports whether some choice of a version (or none) for every
// package satisfies the project's ranges and every selected version's.
func bruteForce(reg registry, root deps) bool {
	names := make([]string, 0, len(reg))
	for i := 0; ; i++ {
		n := fmt.Sprintf("p%d", i)
		if _, ok := reg[n]; !ok {
			break
		}
		names = append(names, n)
	}
	choice := map[string]string{} // "" = not selected
	type vr struct{ v, rng string }
	memo := map[vr]bool{}
	ok := func(v, rng string) bool {
		if v == "" {
			return false
		}
		got, seen := memo[vr{v, rng}]
		if !seen {
			r, err := semrange.Parse(rng)
			got = err == nil && r.Contains(semver.MustParse(v))
			memo[vr{v, rng}] = got
		}
		return got
	}
	// consistent checks every constraint between assigned packages.
	consistent := func() bool {
		for dep, rng := range root {
			if v, set := choice[dep]; (set || dep == "ghost") && !ok(v, rng) {
				return false
			}
		}
		for a, va := range choice {
			if va == "" {
				continue
			}
			for dep, rng := range reg[a][va] {
				if v, set := choice[dep]; (set || dep == "ghost") && !ok(v, rng) {
					return false
				}
			}
		}
		return true
	}
	var search func(i int) bool
	search = func(i int) bool {
		if !consistent() {
			return false
		}
		if i == len(names) {
			return true
		}
		opts := []string{""}
		for v := range reg[names[i]] {
			opts = append(opts, v)
		}
		for _, v := range opts {
			choice[names[i]] = v
			if search(i + 1) {
				return true
			}
		}
		delete(choice, names[i])
		return false
	}
	return search(0)
}

// checkSolution returns what is wrong with sol, or "".
func checkSolution(reg registry, root deps, sol *Solution) string {
	sat := func(from, dep, rng string) string {
		v, ok := sol.Packages[dep]
		if !ok {
			return fmt.Sprintf("%s needs %s %s, which is not in the solution", from, dep, rng)
		}
		r, _ := semrange.Parse(rng)
		if !r.Contains(v.Version) {
			return fmt.Sprintf("%s needs %s %s, the solution has %s", from, dep, rng, v.Version)
		}
		return ""
	}
	for dep, rng := range root {
		if msg := sat("app", dep, rng); msg != "" {
			return msg
		}
	}
	for name, v := range sol.Packages {
		d, ok := reg[name][v.Version.Original()]
		if !ok {
			return fmt.Sprintf("%s@%s is not published", name, v.Version)
		}
		for dep, rng := range d {
			if msg := sat(name+"@"+v.Version.Original(), dep, rng); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// TestOracle: on random small registries, Solve succeeds exactly when a
// brute-force search finds a solution, every solution satisfies every
// range, and every failure is a *Failure with an explanation.
func TestOracle(t *testing.T) {
	t.Parallel()
	runs := 400
	if *long {
		runs = 10000
	}
	if *seeds > 0 {
		runs = *seeds
	}
	var solvable, unsolvable int
	for seed := int64(1); seed <= int64(runs); seed++ {
		reg, root := randomRegistry(rand.New(rand.NewSource(seed)))
		want := bruteForce(reg, root)
		sol, err := Solve(context.Background(), Problem{Root: "app", Deps: root, Source: &memSource{reg: reg}})
		var f *Failure
		switch {
		case want && err != nil:
			t.Fatalf("seed %d: a solution exists, Solve failed: %v\nregistry %v\nproject %v", seed, err, reg, root)
		case !want && err == nil:
			t.Fatalf("seed %d: no solution exists, Solve returned %s\nregistry %v\nproject %v", seed, show(sol), reg, root)
		case err != nil && !errors.As(err, &f):
			t.Fatalf("seed %d: err = %v, want a *Failure", seed, err)
		case err != nil && (f.Report() == "" || len(f.Derivation().Steps) == 0):
			t.Fatalf("seed %d: a failure without an explanation", seed)
		case err == nil:
			if msg := checkSolution(reg, root, sol); msg != "" {
				t.Fatalf("seed %d: %s\nregistry %v\nproject %v", seed, msg, reg, root)
			}
		}
		if want {
			solvable++
		} else {
			unsolvable++
		}
	}
	t.Logf("%d registries: %d solvable, %d not", runs, solvable, unsolvable)
}
