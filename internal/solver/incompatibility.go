package solver

import (
	"slices"
	"strings"
)

// cause says where an incompatibility comes from.
type cause int

const (
	causeRoot       cause = iota // the project must be selected
	causeDependency              // {p S, not q R}: p S depends on q R
	causeNotFound                // {p S}: p S depends on a package that does not exist
	causeNoVersions              // {p S}: p S depends on a range that matches no version
	causeUnusable                // {p v}: the source says v cannot be used
	causeConflict                // derived from two others during conflict resolution
)

// incompat is a set of terms that must not all hold.
type incompat struct {
	terms []term
	cause cause
	// dep and rng are the dependency of a causeDependency, causeNotFound or
	// causeNoVersions; reason is a causeUnusable's.
	dep, rng, reason string
	// conflict and other are the two incompatibilities a derived one
	// comes from.
	conflict, other *incompat
}

// newIncompat builds an incompatibility: terms on the same package are
// merged; a derived incompatibility drops the project's positive term,
// which always holds (as pub does, for clearer explanations).
func (s *solver) newIncompat(terms []term, c cause) *incompat {
	if c == causeConflict && len(terms) != 1 {
		kept := terms[:0:0]
		for _, t := range terms {
			if !(t.pkg == rootID && t.positive()) {
				kept = append(kept, t)
			}
		}
		terms = kept
	}
	var merged []term
	for _, t := range terms {
		i := 0
		for i < len(merged) && merged[i].pkg != t.pkg {
			i++
		}
		if i == len(merged) {
			merged = append(merged, t)
		} else {
			merged[i] = merged[i].intersect(t)
		}
	}
	if c == causeConflict {
		// In the order the packages were reached, for explanations.
		slices.SortStableFunc(merged, func(a, b term) int { return a.pkg - b.pkg })
	}
	return &incompat{terms: merged, cause: c}
}

// isFailure reports whether the incompatibility says the project itself
// cannot be selected: version solving failed.
func (in *incompat) isFailure() bool {
	return len(in.terms) == 0 || len(in.terms) == 1 && in.terms[0].pkg == rootID && in.terms[0].positive()
}

// single returns the one term of in with the given sign, if exactly one.
func (in *incompat) single(positive bool) (term, bool) {
	var found term
	n := 0
	for _, t := range in.terms {
		if t.positive() == positive {
			found = t
			n++
		}
	}
	return found, n == 1
}

// text renders the incompatibility as a clause of a sentence.
func (s *solver) text(in *incompat) string {
	switch in.cause {
	case causeDependency:
		return s.terse(in.terms[0]) + " depends on " + s.terse(s.inverse(in.terms[1]))
	case causeNotFound:
		return s.terse(in.terms[0]) + " depends on " + in.dep + " which doesn't exist"
	case causeNoVersions:
		return s.terse(in.terms[0]) + " depends on " + in.dep + " " + in.rng + " which doesn't match any versions"
	case causeUnusable:
		return s.terse(in.terms[0]) + " cannot be used: " + in.reason
	case causeRoot:
		return s.pkgs[rootID].name + " is the project"
	}
	if in.isFailure() {
		return "version solving failed"
	}
	if len(in.terms) == 1 {
		t := in.terms[0]
		if t.positive() {
			return s.terse(t) + " is forbidden"
		}
		return s.terse(s.inverse(t)) + " is required"
	}
	var pos, neg []string
	for _, t := range in.terms {
		if t.positive() {
			pos = append(pos, s.terse(t))
		} else {
			neg = append(neg, s.terse(s.inverse(t)))
		}
	}
	switch {
	case len(in.terms) == 2 && len(neg) == 0:
		return pos[0] + " is incompatible with " + pos[1]
	case len(neg) == 0:
		return "one of " + strings.Join(pos, " or ") + " must be false"
	case len(pos) == 0:
		return "one of " + strings.Join(neg, " or ") + " must be selected"
	case len(pos) == 1:
		return pos[0] + " requires " + strings.Join(neg, " or ")
	}
	return "if " + strings.Join(pos, " and ") + " then " + strings.Join(neg, " or ")
}

// terse renders a term as "name range", or the name alone for every
// version (and for the project). A negative term renders as "not …".
func (s *solver) terse(t term) string {
	p := s.pkgs[t.pkg]
	if !t.positive() {
		return "not " + s.terse(s.inverse(t))
	}
	if t.pkg == rootID {
		return p.name
	}
	if d := describeSet(p, t.set, t.label); d != "" {
		return p.name + " " + d
	}
	return p.name
}

func (s *solver) inverse(t term) term { return t.inverse(len(s.pkgs[t.pkg].versions)) }

// verb is how an incompatibility states a requirement.
func verb(in *incompat) string {
	if in.cause == causeDependency {
		return "depends on"
	}
	return "requires"
}

// andText renders "in (l1) and other (l2)" with pub's shortcuts: "p
// depends on both q and r", "p depends on q which depends on r", "p
// depends on q which doesn't exist". Line numbers of 0 are not shown.
func (s *solver) andText(in, other *incompat, inLine, otherLine int) string {
	if t := s.requiresBoth(in, other, inLine, otherLine); t != "" {
		return t
	}
	if t := s.requiresThrough(in, other, inLine, otherLine); t != "" {
		return t
	}
	if t := s.requiresThrough(other, in, otherLine, inLine); t != "" {
		return t
	}
	return s.text(in) + lineRef(inLine) + " and " + s.text(other) + lineRef(otherLine)
}

func lineRef(n int) string {
	if n == 0 {
		return ""
	}
	return " (" + itoa(n) + ")"
}

func (s *solver) negatives(in *incompat) string {
	var neg []string
	for _, t := range in.terms {
		if !t.positive() {
			neg = append(neg, s.terse(s.inverse(t)))
		}
	}
	return strings.Join(neg, " or ")
}

func (s *solver) requiresBoth(in, other *incompat, inLine, otherLine int) string {
	if len(in.terms) == 1 || len(other.terms) == 1 {
		return ""
	}
	p1, ok1 := in.single(true)
	p2, ok2 := other.single(true)
	if !ok1 || !ok2 || p1.pkg != p2.pkg || !p1.set.equal(p2.set) {
		return ""
	}
	v := "requires"
	if in.cause == causeDependency && other.cause == causeDependency {
		v = "depends on"
	}
	return s.terse(p1) + " " + v + " both " + s.negatives(in) + lineRef(inLine) + " and " + s.negatives(other) + lineRef(otherLine)
}

// requiresThrough: prior is {p, not q}, latter is {q', …} with q ⊆ q'.
func (s *solver) requiresThrough(prior, latter *incompat, priorLine, latterLine int) string {
	if len(prior.terms) == 1 {
		return ""
	}
	neg, ok := prior.single(false)
	if !ok {
		return ""
	}
	lp, ok := latter.single(true)
	if !ok || lp.pkg != neg.pkg || !s.inverse(neg).subsetOf(lp) {
		return ""
	}
	var pos []string
	for _, t := range prior.terms {
		if t.positive() {
			pos = append(pos, s.terse(t))
		}
	}
	b := pos[0] + " "
	if len(pos) > 1 {
		b = "if " + strings.Join(pos, " and ") + " then "
	}
	b += verb(prior) + " " + s.terse(s.inverse(neg)) + lineRef(priorLine) + " which "
	switch {
	case len(latter.terms) == 1 && latter.cause == causeNotFound:
		b += "depends on " + latter.dep + " which doesn't exist"
	case len(latter.terms) == 1 && latter.cause == causeNoVersions:
		b += "depends on " + latter.dep + " " + latter.rng + " which doesn't match any versions"
	case len(latter.terms) == 1 && latter.cause == causeUnusable:
		b += "cannot be used: " + latter.reason
	case len(latter.terms) == 1:
		b += "is forbidden"
	default:
		rest := s.negatives(latter)
		if rest == "" {
			return ""
		}
		b += verb(latter) + " " + rest
	}
	return b + lineRef(latterLine)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
