package solver

// assignment is one step of the partial solution: a decision (cause nil)
// selects one version; a derivation records a term that the incompatibility
// cause forces, given the assignments before it.
type assignment struct {
	t     term
	level int // decision level: the number of decisions up to this one
	cause *incompat
}

// known is the intersection of every assignment to p so far: what the
// partial solution says about p (every outcome, before any assignment).
func (s *solver) known(pid int) term {
	p := s.pkgs[pid]
	if len(p.acc) == 0 {
		return p.all
	}
	return p.acc[len(p.acc)-1]
}

func (s *solver) assign(t term, cause *incompat) {
	p := s.pkgs[t.pkg]
	before := s.known(t.pkg)
	acc := before.intersect(t)
	p.idx = append(p.idx, len(s.assigns))
	p.acc = append(p.acc, acc)
	s.assigns = append(s.assigns, assignment{t: t, level: s.level, cause: cause})
	if acc.positive() && !before.positive() {
		s.queue.push(t.pkg)
	}
}

// derive records the negation of the one unsatisfied term of cause.
func (s *solver) derive(t term, cause *incompat) { s.assign(t, cause) }

// decide selects version vi of pid, opening a new decision level.
func (s *solver) decide(pid, vi int) {
	s.level++
	p := s.pkgs[pid]
	set := newBitset(len(p.versions))
	set.set(vi)
	s.assign(term{pkg: pid, set: set}, nil)
	p.decided = vi
}

// backtrack undoes every assignment above level.
func (s *solver) backtrack(level int) {
	for len(s.assigns) > 0 && s.assigns[len(s.assigns)-1].level > level {
		a := s.assigns[len(s.assigns)-1]
		s.assigns = s.assigns[:len(s.assigns)-1]
		p := s.pkgs[a.t.pkg]
		p.idx = p.idx[:len(p.idx)-1]
		p.acc = p.acc[:len(p.acc)-1]
		if a.cause == nil {
			p.decided = -1
			if s.known(a.t.pkg).positive() {
				s.queue.push(a.t.pkg) // still required: decide it again
			}
		}
	}
	s.level = level
}

// satisfier is the index of the earliest assignment after which the
// partial solution implies t; -1 if it never does.
func (s *solver) satisfier(t term) int {
	p := s.pkgs[t.pkg]
	for k, acc := range p.acc {
		if acc.subsetOf(t) {
			return p.idx[k]
		}
	}
	return -1
}

// pkgQueue is a min-heap of package ids: the packages that are required
// and may be undecided, decided lowest id (first reached) first. Entries
// may be stale; the reader skips them.
type pkgQueue []int

func (q *pkgQueue) push(id int) {
	*q = append(*q, id)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent] <= h[i] {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func (q *pkgQueue) pop() int {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && h[l] < h[m] {
			m = l
		}
		if r < len(h) && h[r] < h[m] {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}
