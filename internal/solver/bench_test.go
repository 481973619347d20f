package solver

import (
	"context"
	"fmt"
	"testing"
)

// treeRegistry is the latency benchmark's tree in memory: levels × width
// packages, versions 1.0.0 and 1.1.0, each depending on two packages of the
// next level; the project depends on every package of the first level.
func treeRegistry(levels, width int) (registry, deps) {
	name := func(level, i int) string { return fmt.Sprintf("t%02d-%02d", level, i%width) }
	reg, root := registry{}, deps{}
	for level := 0; level < levels; level++ {
		for i := 0; i < width; i++ {
			d := deps{}
			if level+1 < levels {
				d[name(level+1, i)] = "^1.0.0"
				d[name(level+1, i+1)] = "^1.0.0"
			}
			reg[name(level, i)] = map[string]map[string]string{"1.0.0": d, "1.1.0": d}
			if level == 0 {
				root[name(level, i)] = "^1"
			}
		}
	}
	return reg, root
}

// BenchmarkSolveTree: the 200-package tree of depth 10 (issue: < 5 ms).
//
//	go test ./internal/solver/ -run '^$' -bench SolveTree -benchtime 200x
func BenchmarkSolveTree(b *testing.B) {
	reg, root := treeRegistry(10, 20)
	src := &memSource{reg: reg}
	for i := 0; i < b.N; i++ {
		sol, err := Solve(context.Background(), Problem{Root: "app", Deps: root, Source: src})
		if err != nil || len(sol.Packages) != 200 {
			b.Fatal(err)
		}
	}
}

// backtrackRegistry has chains×length packages of 20 versions each
// (1.0.0 … 1.19.0). The project depends on the first package of every
// chain; each package depends on the next of its chain at "^1", except
// the one before last, whose version 1.v.0 needs the last one's 1.v.x; and
// the last package's newest `broken` versions depend on a package that
// does not exist. So at the bottom of every chain the solver tries the
// newest versions, learns that they fail, and backtracks: chains × broken
// conflicts, while the other chains' decisions stand.
func backtrackRegistry(chains, length, broken int) (registry, deps) {
	name := func(c, j int) string { return fmt.Sprintf("c%03d-%02d", c, j) }
	reg, root := registry{}, deps{}
	for c := 0; c < chains; c++ {
		root[name(c, 0)] = "*"
		for j := 0; j < length; j++ {
			vs := map[string]map[string]string{}
			for v := 0; v < 20; v++ {
				d := deps{}
				switch {
				case j+2 < length:
					d[name(c, j+1)] = "^1"
				case j+2 == length:
					d[name(c, j+1)] = fmt.Sprintf("1.%d.x", v)
				case v >= 20-broken:
					d["missing"] = "^1"
				}
				vs[fmt.Sprintf("1.%d.0", v)] = d
			}
			reg[name(c, j)] = vs
		}
	}
	return reg, root
}

// cascadeRegistry is backtrackRegistry with every link of a chain at
// "1.v.x": a failure at the bottom of a chain moves the whole chain back,
// its first package included, and with it every decision taken after that
// one (the other chains' deeper packages, decided breadth first): the
// worst case of the breadth-first order, quadratic in the chains. With
// wide, a link allows two versions (1.v.x and the next minor), so only
// a chain's newest versions are pins and the rest are real choices.
func cascadeRegistry(chains, length, broken int, wide bool) (registry, deps) {
	name := func(c, j int) string { return fmt.Sprintf("c%03d-%02d", c, j) }
	reg, root := registry{}, deps{}
	for c := 0; c < chains; c++ {
		root[name(c, 0)] = "*"
		for j := 0; j < length; j++ {
			vs := map[string]map[string]string{}
			for v := 0; v < 20; v++ {
				d := deps{}
				switch {
				case j+1 < length && wide:
					d[name(c, j+1)] = fmt.Sprintf(">=1.%d.0 <1.%d.0", v, v+2)
				case j+1 < length:
					d[name(c, j+1)] = fmt.Sprintf("1.%d.x", v)
				case v >= 20-broken:
					d["missing"] = "^1"
				}
				vs[fmt.Sprintf("1.%d.0", v)] = d
			}
			reg[name(c, j)] = vs
		}
	}
	return reg, root
}

// loopRegistry has chains×length packages of 20 versions, every link of
// a chain at "*", and the last package of every chain (all its versions)
// needs the chain's first below 1.18.0: the first package must move back,
// through packages that all have a choice. Decided breadth first, the
// conflict would surface only at the bottom and undo every other chain's
// decisions; recorded before deciding (the dependencies every allowed
// version shares), it moves the first package before it is decided.
func loopRegistry(chains, length int) (registry, deps) {
	name := func(c, j int) string { return fmt.Sprintf("c%03d-%02d", c, j) }
	reg, root := registry{}, deps{}
	for c := 0; c < chains; c++ {
		root[name(c, 0)] = "*"
		for j := 0; j < length; j++ {
			vs := map[string]map[string]string{}
			for v := 0; v < 20; v++ {
				d := deps{name(c, 0): "<1.18.0"}
				if j+1 < length {
					d = deps{name(c, j+1): "*"}
				}
				vs[fmt.Sprintf("1.%d.0", v)] = d
			}
			reg[name(c, j)] = vs
		}
	}
	return reg, root
}

// choiceRegistry is loopRegistry with version 1.v.0 of each link
// needing the next at "<=1.v.0": every package below the first still has
// a choice, and a different range in each version, so nothing constrains
// the first package until its whole chain is decided. This is the case
// that stays quadratic in the chains (see the package doc).
func choiceRegistry(chains, length int) (registry, deps) {
	reg, root := loopRegistry(chains, length)
	for c := 0; c < chains; c++ {
		for j := 0; j+1 < length; j++ {
			for v := 0; v < 20; v++ {
				reg[fmt.Sprintf("c%03d-%02d", c, j)][fmt.Sprintf("1.%d.0", v)] = deps{fmt.Sprintf("c%03d-%02d", c, j+1): fmt.Sprintf("<=1.%d.0", v)}
			}
		}
	}
	return reg, root
}

// BenchmarkSolveBacktracking: 5,000 packages of 20 versions, 250
// conflicts to learn from and backtrack (issue: < 1 s). "cascading",
// "cascading-wide" and "loop" are the cases above in which every chain
// moves its first package back, at 2,000 and 5,000 packages; "choices"
// the one that stays quadratic, at 1,000.
//
//	go test ./internal/solver/ -run '^$' -bench SolveBacktracking -benchtime 3x
func BenchmarkSolveBacktracking(b *testing.B) {
	// want is the minor version each package must get.
	run := func(b *testing.B, reg registry, root deps, want func(name string) int) {
		src := &memSource{reg: reg}
		var conflicts, decisions, work int
		for i := 0; i < b.N; i++ {
			sol, err := Solve(context.Background(), Problem{Root: "app", Deps: root, Source: src})
			if err != nil || len(sol.Packages) != len(reg) {
				b.Fatal(err)
			}
			for name, v := range sol.Packages {
				if w := want(name); int(v.Version.Minor()) != w {
					b.Fatalf("%s@%s, want 1.%d.0", name, v.Version, w)
				}
			}
			conflicts, decisions, work = sol.Conflicts, sol.Decisions, sol.Work
		}
		b.ReportMetric(float64(conflicts), "conflicts")
		b.ReportMetric(float64(decisions), "decisions")
		b.ReportMetric(float64(work), "work")
	}
	b.Run("local/5000", func(b *testing.B) {
		reg, root := backtrackRegistry(250, 20, 2)
		run(b, reg, root, func(name string) int { // only a chain's last two move
			if name[len(name)-2:] >= "18" {
				return 17
			}
			return 19
		})
	})
	all17 := func(string) int { return 17 }
	b.Run("choices/1000", func(b *testing.B) {
		reg, root := choiceRegistry(50, 20)
		run(b, reg, root, all17)
	})
	for _, chains := range []int{100, 250} {
		n := chains * 20
		b.Run(fmt.Sprintf("cascading/%d", n), func(b *testing.B) {
			reg, root := cascadeRegistry(chains, 20, 2, false)
			run(b, reg, root, all17)
		})
		b.Run(fmt.Sprintf("cascading-wide/%d", n), func(b *testing.B) {
			reg, root := cascadeRegistry(chains, 20, 2, true)
			run(b, reg, root, all17)
		})
		b.Run(fmt.Sprintf("loop/%d", n), func(b *testing.B) {
			reg, root := loopRegistry(chains, 20)
			run(b, reg, root, func(name string) int { // only a chain's first moves
				if name[len(name)-2:] == "00" {
					return 17
				}
				return 19
			})
		})
	}
}
