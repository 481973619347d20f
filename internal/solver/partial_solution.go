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

func (s *solver) assign(t term, cause *incompat) { s.assignAt(t, cause, s.level) }

// assignAt records an assignment at a decision level that may be lower
// than the current one: a learned incompatibility's consequence holds
// from its assertion level on, and keeping it there lets it survive
// backjumps above that level (chronological backjumping).
//
// A package's assignments keep non-decreasing levels (an assignment is
// never at a lower level than an earlier one of its package), so the level
// of a term's satisfier is the level from which the term holds, and
// undoing the satisfier undoes every later assignment of its package.
func (s *solver) assignAt(t term, cause *incompat, level int) {
	p := s.pkgs[t.pkg]
	if n := len(p.idx); n > 0 {
		level = max(level, s.assigns[p.idx[n-1]].level)
	}
	before := s.known(t.pkg)
	acc := before.intersect(t)
	p.idx = append(p.idx, len(s.assigns))
	p.acc = append(p.acc, acc)
	s.assigns = append(s.assigns, assignment{t: t, level: level, cause: cause})
	if acc.positive() && !before.positive() {
		s.queue.push(p)
	}
	if cause != nil && p.decided < 0 && acc.positive() {
		s.expand.push(p)
		if isForced(acc) {
			s.forced.push(p)
		}
	}
}

// isForced reports whether known requires its package at exactly one
// version: every solution that extends the partial solution has it.
func isForced(known term) bool { return known.positive() && known.set.count() == 1 }

// decide selects version vi of pid, opening a new decision level.
func (s *solver) decide(pid, vi int) {
	s.level++
	s.decisionIdx = append(s.decisionIdx, len(s.assigns))
	p := s.pkgs[pid]
	set := newBitset(len(p.versions))
	set.set(vi)
	s.assign(term{pkg: pid, set: set}, nil)
	p.decided = vi
}

// backtrack undoes every assignment above level. Those are all after the
// decision that opened level+1; assignments after it that belong to lower
// levels are kept (and replayed in order).
func (s *solver) backtrack(level int) {
	if level >= s.level {
		return
	}
	first := s.decisionIdx[level+1]
	var kept []assignment
	var affected []int
	for _, a := range s.assigns[first:] {
		if a.level <= level {
			kept = append(kept, a)
		}
		p := s.pkgs[a.t.pkg]
		if len(p.idx) > 0 && p.idx[len(p.idx)-1] >= first {
			affected = append(affected, a.t.pkg)
			k := len(p.idx)
			for k > 0 && p.idx[k-1] >= first {
				k--
			}
			p.idx, p.acc = p.idx[:k], p.acc[:k]
		}
		if a.cause == nil {
			p.decided = -1
		}
	}
	s.assigns = s.assigns[:first]
	s.decisionIdx = s.decisionIdx[:level+1]
	s.level = level
	for _, a := range kept {
		s.assignAt(a.t, a.cause, a.level)
	}
	for _, id := range affected {
		if s.pkgs[id].decided < 0 && s.known(id).positive() {
			s.queue.push(s.pkgs[id]) // still required: decide it (again)
			s.expand.push(s.pkgs[id])
			if isForced(s.known(id)) {
				s.forced.push(s.pkgs[id])
			}
		}
	}
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

// pkgQueue is a min-heap of packages, breadth first: nearest the project
// (depth when first reached) first, then first reached (lowest id). It
// holds depth<<32 | id. Entries may be stale; the reader skips them.
type pkgQueue []uint64

func (q *pkgQueue) push(p *pkg) {
	*q = append(*q, uint64(p.depth)<<32|uint64(p.id))
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

// pop returns the id of the first package.
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
	return int(uint32(top))
}
