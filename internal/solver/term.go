package solver

import (
	"math/bits"
	"strings"
)

// bitset is a set of indexes into one package's sorted version list.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) equal(c bitset) bool {
	for i := range b {
		if b[i] != c[i] {
			return false
		}
	}
	return true
}

// highest is the highest index in b, or -1.
func (b bitset) highest() int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return i*64 + 63 - bits.LeadingZeros64(b[i])
		}
	}
	return -1
}

// term is a statement about one package: it is selected at one of the
// versions in set, or (when absent) it may also be not selected at all. As
// a set of outcomes it is set ∪ {absent}, so the term algebra (intersection,
// inverse, inclusion) is plain set algebra over the package's versions. A
// positive term (absent false) requires the package; "not p S" is the
// complement of S with absent true.
type term struct {
	pkg    int
	set    bitset
	absent bool
	// label is the range text that gives exactly set, when known (a
	// dependency's "^1.0.0"), for explanations; "" otherwise.
	label string
}

func (t term) positive() bool { return !t.absent }

// isEmpty reports whether no outcome satisfies t.
func (t term) isEmpty() bool { return !t.absent && t.set.empty() }

// inverse is the term that holds exactly when t does not; n is the number
// of the package's versions.
func (t term) inverse(n int) term {
	s := make(bitset, len(t.set))
	for i := range s {
		s[i] = ^t.set[i]
	}
	if r := n % 64; r != 0 && len(s) > 0 {
		s[len(s)-1] &= 1<<uint(r) - 1
	}
	return term{pkg: t.pkg, set: s, absent: !t.absent, label: t.label}
}

// intersect is the term that holds when both hold.
func (t term) intersect(u term) term {
	s := make(bitset, len(t.set))
	for i := range s {
		s[i] = t.set[i] & u.set[i]
	}
	r := term{pkg: t.pkg, set: s, absent: t.absent && u.absent}
	switch {
	case s.equal(t.set) && r.absent == t.absent:
		r.label = t.label
	case s.equal(u.set) && r.absent == u.absent:
		r.label = u.label
	}
	return r
}

// subsetOf reports whether t implies u.
func (t term) subsetOf(u term) bool {
	if t.absent && !u.absent {
		return false
	}
	for i := range t.set {
		if t.set[i]&^u.set[i] != 0 {
			return false
		}
	}
	return true
}

// disjoint reports whether t and u cannot both hold.
func (t term) disjoint(u term) bool {
	if t.absent && u.absent {
		return false
	}
	for i := range t.set {
		if t.set[i]&u.set[i] != 0 {
			return false
		}
	}
	return true
}

// relation of a term to what is known of its package.
type relation int

const (
	satisfied relation = iota
	contradicted
	inconclusive
)

func (t term) relationTo(known term) relation {
	switch {
	case known.subsetOf(t):
		return satisfied
	case known.disjoint(t):
		return contradicted
	}
	return inconclusive
}

// describeSet renders a set of p's versions for people: its label when it
// has one, else runs of consecutive versions ("1.0.0", ">=1.1.0",
// ">=1.0.0 <2.0.0", joined by " || "); "" for every version.
func describeSet(p *pkg, s bitset, label string) string {
	if label != "" {
		return label
	}
	n := len(p.versions)
	if s.count() == n {
		return ""
	}
	var runs []string
	for i := 0; i < n; {
		if !s.has(i) {
			i++
			continue
		}
		j := i
		for j+1 < n && s.has(j+1) {
			j++
		}
		lo, hi := p.versions[i].Version.Original(), ""
		if j+1 < n {
			hi = "<" + p.versions[j+1].Version.Original()
			if p.versions[j+1].Version.Prerelease() != "" {
				// "<=1.2.0" reads better than "<2.0.0-beta.1".
				hi = "<=" + p.versions[j].Version.Original()
			}
		}
		switch {
		case hi == "": // up to the newest
			runs = append(runs, ">="+lo)
		case i == j:
			runs = append(runs, lo)
		case i == 0:
			runs = append(runs, hi)
		default:
			runs = append(runs, ">="+lo+" "+hi)
		}
		i = j + 1
	}
	if len(runs) == 0 {
		return "no versions"
	}
	return strings.Join(runs, " || ")
}
