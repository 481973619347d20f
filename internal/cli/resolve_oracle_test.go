package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand"
	"slices"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// TestSolveOracleWithLocks: on random small registries, each with a random
// lock (some packages locked at some version, with that version's
// dependencies), the CLI's solver — which first takes locked packages from
// the lock alone — succeeds exactly when a brute-force search finds a
// solution, and returns a valid one. (internal/solver's own oracle covers
// the search without a lock, over many more registries.)
func TestSolveOracleWithLocks(t *testing.T) {
	t.Parallel()
	versionPool := []string{"1.0.0", "1.1.0", "1.2.0-rc.1", "2.0.0", "3.0.0"}
	rangePool := []string{"*", "^1", "^1.1.0", "1.x || 3.x", "^2", ">=1.2.0-rc.0", "<2", "^9", "~1.0"}
	solvable := 0
	const runs = 300
	for seed := int64(1); seed <= runs; seed++ {
		rng := rand.New(rand.NewSource(seed))
		n := 3 + rng.Intn(3)
		pkgs := map[string]map[string]deps{}
		var names []string
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("p%d", i)
			names = append(names, name)
			pkgs[name] = map[string]deps{}
			for _, j := range rng.Perm(len(versionPool))[:1+rng.Intn(3)] {
				d := deps{}
				for k := rng.Intn(3); k > 0; k-- {
					d[fmt.Sprintf("p%d", rng.Intn(n))] = rangePool[rng.Intn(len(rangePool))]
				}
				pkgs[name][versionPool[j]] = d
			}
		}
		root := deps{}
		for k := 1 + rng.Intn(2); k > 0; k-- {
			root[names[rng.Intn(n)]] = rangePool[rng.Intn(len(rangePool))]
		}
		lock := &Lock{LockfileVersion: 1, Packages: map[string]LockedPackage{}}
		for _, name := range names {
			if rng.Intn(2) == 0 {
				vs := slices.Sorted(maps.Keys(pkgs[name]))
				v := vs[rng.Intn(len(vs))]
				lock.Packages[name] = LockedPackage{Version: v, Dependencies: pkgs[name][v]}
			}
		}
		want := bruteForceCLI(pkgs, names, root)
		res, err := (&Solver{Root: "app", Source: &memSource{pkgs: pkgs}, Lock: lock}).Solve(context.Background(), root)
		var se *SolveError
		switch {
		case want && err != nil:
			t.Fatalf("seed %d: a solution exists, Solve failed: %v\nregistry %v\nlock %v\nproject %v", seed, err, pkgs, lock.Packages, root)
		case !want && err == nil:
			t.Fatalf("seed %d: no solution exists, Solve returned %s\nregistry %v\nproject %v", seed, versions(res), pkgs, root)
		case err != nil && !errors.As(err, &se):
			t.Fatalf("seed %d: err = %v, want a *SolveError", seed, err)
		case err == nil:
			solvable++
			check := func(from string, d deps) {
				for dep, r := range d {
					p := res.Packages[dep]
					rg, _ := semrange.Parse(r)
					if p == nil || !rg.Contains(p.Version) {
						t.Fatalf("seed %d: %s needs %s %s; resolved %s", seed, from, dep, r, versions(res))
					}
				}
			}
			check("app", root)
			for name, p := range res.Packages {
				check(name, pkgs[name][p.Version.Original()])
			}
		}
	}
	t.Logf("%d registries with locks: %d solvable", runs, solvable)
}

// bruteForceCLI tries every choice of a version (or none) per package.
func bruteForceCLI(pkgs map[string]map[string]deps, names []string, root deps) bool {
	choice := map[string]string{}
	sat := func(d deps) bool {
		for dep, r := range d {
			v, set := choice[dep]
			if !set {
				continue
			}
			rg, err := semrange.Parse(r)
			if err != nil || v == "" || !rg.Contains(semver.MustParse(v)) {
				return false
			}
		}
		return true
	}
	var search func(i int) bool
	search = func(i int) bool {
		if !sat(root) {
			return false
		}
		for name, v := range choice {
			if v != "" && !sat(pkgs[name][v]) {
				return false
			}
		}
		if i == len(names) {
			return true
		}
		for _, v := range append([]string{""}, slices.Sorted(maps.Keys(pkgs[names[i]]))...) {
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
