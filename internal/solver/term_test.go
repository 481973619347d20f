package solver

import (
	"testing"

	"github.com/Masterminds/semver/v3"
)

func testPkg(versions ...string) *pkg {
	p := &pkg{name: "p"}
	for _, v := range versions {
		p.versions = append(p.versions, Version{Version: semver.MustParse(v)})
	}
	return p
}

func setOf(n int, idx ...int) bitset {
	b := newBitset(n)
	for _, i := range idx {
		b.set(i)
	}
	return b
}

// TestDescribeSet: sets of versions read as ranges.
func TestDescribeSet(t *testing.T) {
	t.Parallel()
	p := testPkg("1.0.0", "1.1.0", "1.2.0", "2.0.0-beta.1", "2.0.0")
	for _, tt := range []struct {
		idx  []int
		want string
	}{
		{[]int{0, 1, 2, 3, 4}, ""},
		{[]int{4}, ">=2.0.0"},
		{[]int{3, 4}, ">=2.0.0-beta.1"},
		{[]int{0}, "1.0.0"},
		{[]int{0, 1}, "<1.2.0"},
		{[]int{0, 1, 2}, "<=1.2.0"},
		{[]int{1, 2}, ">=1.1.0 <=1.2.0"},
		{[]int{1}, "1.1.0"},
		{[]int{0, 2, 4}, "1.0.0 || 1.2.0 || >=2.0.0"},
		{nil, "no versions"},
	} {
		if got := describeSet(p, setOf(5, tt.idx...), ""); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.idx, got, tt.want)
		}
	}
	if got := describeSet(p, setOf(5, 0, 1, 2), "^1"); got != "^1" {
		t.Errorf("a labelled set reads %q, want its label", got)
	}
}

// TestTermAlgebra: terms are sets of outcomes (versions, and "not
// selected" for a negative term).
func TestTermAlgebra(t *testing.T) {
	t.Parallel()
	const n = 70                                   // more than one word
	pos := term{set: setOf(n, 1, 2, 65)}           // p in {1, 2, 65}
	neg := term{set: setOf(n, 2, 3), absent: true} // {2, 3} or not selected
	if inv := pos.inverse(n); !inv.absent || inv.set.has(1) || !inv.set.has(0) || !inv.set.has(69) || inv.set.has(65) {
		t.Errorf("inverse of a positive term: %+v", inv)
	}
	if got := pos.intersect(neg); got.absent || !got.set.equal(setOf(n, 2)) {
		t.Errorf("positive ∩ negative = %+v", got)
	}
	if !(term{set: setOf(n, 2)}).subsetOf(pos) || pos.subsetOf(term{set: setOf(n, 2)}) {
		t.Error("subsetOf on positive terms")
	}
	if pos.subsetOf(term{set: setOf(n, 1, 2, 65), absent: true}) != true || (term{set: setOf(n, 1), absent: true}).subsetOf(pos) {
		t.Error("a negative term is never inside a positive one")
	}
	all := term{set: setOf(n)}.inverse(n) // every outcome
	if got := pos.relationTo(all); got != inconclusive {
		t.Errorf("relation to nothing known = %v", got)
	}
	if got := pos.relationTo(term{set: setOf(n, 2)}); got != satisfied {
		t.Errorf("relation to a decision inside = %v", got)
	}
	if got := pos.relationTo(term{set: setOf(n, 3)}); got != contradicted {
		t.Errorf("relation to a decision outside = %v", got)
	}
	if !(term{set: setOf(n)}).isEmpty() || (term{set: setOf(n), absent: true}).isEmpty() {
		t.Error("isEmpty")
	}
}
