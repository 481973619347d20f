// Package solver finds, for a project's dependency ranges, one version of
// every package it needs (the flat legion_modules layout: one version per
// name), or explains why none exists. It is conflict-driven in the manner of
// PubGrub (Dart pub's solver, doc/solver.md): facts are incompatibilities,
// sets of terms that must not all hold; unit propagation derives what
// follows from them; a decision picks a version; a conflict is resolved by
// deriving a new incompatibility from the ones that clash and backjumping to
// the decision level where it first applies. The search is complete: it
// fails only when no assignment satisfies every range, and the failure
// carries the derivation that proves it (see Failure).
//
// Versions are finite: each package's published list comes from a Source,
// and a term's set is a subset of that list, computed with
// internal/semrange's Contains, so ranges keep npm's meaning exactly
// (pre-releases included). A range that matches no published version, a
// dependency on a package the source does not have, and a version the
// source marks unusable each make the versions that need them unusable,
// not the whole resolution: an older version may do.
//
// Which solution, when several exist:
//
//   - Packages are decided breadth first from the project: nearest first
//     (the distance at which a package was first reached), then in the
//     order they were reached. A package that must move back to make room
//     is therefore the most recently decided one: the package farther from
//     the project gives way first, its dependents keep their versions
//     ("leaf versions roll back first", as in pub).
//   - Except that a required package with only one allowed version (a
//     pin, or a range its dependents narrowed to one version) is decided
//     before the others, as Poetry's "no choice" tier: every solution from
//     there has that version, so the choice changes no preference, and a
//     chain of pins is followed to its end before anything else is
//     decided, so a conflict at its bottom moves only that chain back.
//   - A package gets its preferred version when its constraints allow it:
//     the locked version (Problem.Locked), so an install changes as few
//     packages as possible; otherwise the newest allowed version.
//
// Backjumping is chronological (the search goes back to just below the
// decision that completed the conflict, not to the learned
// incompatibility's assertion level), and a derivation is recorded at the
// level it holds from, so a learned fact survives later backjumps and a
// conflict deep in one branch of a wide tree does not undo the others.
// What the breadth-first order costs is a conflict that moves a package
// decided early: it undoes every decision taken after it, the other
// branches' included, which are then taken again. Two things keep a
// branch's conflict from surfacing only after the other branches are
// decided:
//
//   - Before any decision, the dependencies of the version each required
//     package would get are recorded (when its list carries them: the
//     source is never asked for more), so a dependency that every allowed
//     version shares, and every dependency of a pinned package, constrains
//     the packages below at once: a bound that a branch's bottom puts on
//     its top reaches the top before the top is decided.
//   - Pins are decided first (above), which does the same when
//     dependencies come one version at a time (DependencySource).
//
// So a registry in which every branch moves its topmost package back
// costs work linear in its packages (BenchmarkSolveBacktracking's
// cascading, cascading-wide and loop cases; TestWorkStaysLinear). A
// branch whose top moves only through real choices (several allowed
// versions, with dependencies that differ between them) can still undo
// and redo the branches decided after it: quadratic in the worst case
// (BenchmarkSolveBacktracking/choices).
//
// Work is bounded (Problem.MaxSteps): decisions, conflicts, and each term
// of every incompatibility that propagation or conflict resolution
// examines, so the bound follows the real cost even when what was learned
// makes each step dearer. A pathological input (a pigeonhole; a
// 5,000-package "choices" chain) stops with ErrTooComplex after about a
// second instead of running on.
package solver
