package legiontest

import (
	"slices"
	"strings"
)

// --- the index behind search and the package listing ---

// index keeps what search and the listing need so that neither scans and
// sorts every package per request: a dense id per package, the ids in
// each sort order, and the lower-cased search text of every package in
// one scannable corpus.
//
// It is maintained incrementally while reads keep coming. A bulk change
// (Seed, Restore, a state clone) or more than a few changes in a row with
// no read in between make it stale instead, which costs nothing per
// change; the next read rebuilds it from the package map. Guarded by
// Registry.mu with the rest of the state.
type index struct {
	stale   bool
	changes int // since the last read; over changeBudget makes it stale
	// budget is how many changes in a row are applied before the index
	// gives up and waits for a rebuild (0: changeBudget). Tests lower it.
	budget int

	byID   []*pkgRec // nil at the ids of removed packages
	free   []int32
	orders [numSortKeys][]int32 // ids, sorted by each key
	text   corpus
	marks  []uint64 // scratch bitmap by id for filtered listings
	// byOwner is each user's packages in name order (GET
	// /users/:name/packages), downloads their sum over every package
	// (GET /stats).
	byOwner   map[string][]*pkgRec
	downloads int64
}

// newIndex returns a stale index: it is built on first use from whatever
// the package map then holds, so code that fills a state directly
// (Restore, clone) needs no further step.
func newIndex() *index { return &index{stale: true} }

// changeBudget is how many changes in a row are applied incrementally; an
// insertion moves up to 4n bytes per order, a rebuild sorts n ids.
func (ix *index) changeBudget() int {
	if ix.budget > 0 {
		return ix.budget
	}
	return 64 + len(ix.byID)/8
}

// changed counts one change and reports whether to apply it; past the
// budget the index turns stale.
func (ix *index) changed() bool {
	if ix.stale {
		return false
	}
	ix.changes++
	if ix.changes > ix.changeBudget() || ix.text.wasteful() {
		ix.makeStale()
		return false
	}
	return true
}

func (ix *index) makeStale() {
	budget := ix.budget
	*ix = index{stale: true, budget: budget}
}

// ready brings the index up to date with pkgs before a read.
func (ix *index) ready(pkgs map[string]*pkgRec) {
	if ix.stale {
		ix.rebuild(pkgs)
	}
	ix.changes = 0
}

// rebuild numbers the packages in name order, so that a tie on any other
// key is a tie broken by id, and sorts every order on plain integers.
func (ix *index) rebuild(pkgs map[string]*pkgRec) {
	type named struct {
		name string
		p    *pkgRec
	}
	all := make([]named, 0, len(pkgs))
	for name, p := range pkgs {
		all = append(all, named{name, p})
	}
	slices.SortFunc(all, func(a, b named) int { return strings.Compare(a.name, b.name) })
	n := len(all)
	*ix = index{budget: ix.budget, byID: make([]*pkgRec, n), marks: make([]uint64, (n+63)/64), byOwner: map[string][]*pkgRec{}}
	size := 0
	for _, a := range all {
		size += a.p.textLen()
	}
	ix.text.reserve(size)
	for i, a := range all {
		a.p.id = int32(i)
		ix.byID[i] = a.p
		ix.text.add(a.p)
		ix.byOwner[a.p.owner] = append(ix.byOwner[a.p.owner], a.p) // in name order
		ix.downloads += a.p.downloads
	}
	type keyed struct {
		hi int64
		lo int32
		id int32
	}
	keys := make([]keyed, n)
	for k := range numSortKeys {
		for i, p := range ix.byID {
			keys[i] = keyed{id: int32(i)}
			switch k {
			case byDownloads:
				keys[i].hi = p.downloads
			case byRecent:
				keys[i].hi, keys[i].lo = p.updatedAt.Unix(), int32(p.updatedAt.Nanosecond())
			case byNewest:
				keys[i].hi, keys[i].lo = p.createdAt.Unix(), int32(p.createdAt.Nanosecond())
			}
		}
		if k != byName {
			// Descending by key, then ascending by id (name).
			slices.SortFunc(keys, func(a, b keyed) int {
				if a.hi != b.hi {
					return cmpDesc(a.hi, b.hi)
				}
				if a.lo != b.lo {
					return cmpDesc(a.lo, b.lo)
				}
				return int(a.id - b.id)
			})
		}
		order := make([]int32, n)
		for i, kv := range keys {
			order[i] = kv.id
		}
		ix.orders[k] = order
	}
}

func cmpDesc[T int64 | int32](a, b T) int {
	if a > b {
		return -1
	}
	return 1
}

// add indexes a new package.
func (ix *index) add(p *pkgRec) {
	if !ix.changed() {
		return
	}
	if n := len(ix.free); n > 0 {
		p.id = ix.free[n-1]
		ix.free = ix.free[:n-1]
		ix.byID[p.id] = p
	} else {
		p.id = int32(len(ix.byID))
		ix.byID = append(ix.byID, p)
		if len(ix.marks)*64 < len(ix.byID) {
			ix.marks = append(ix.marks, 0)
		}
	}
	for k := range numSortKeys {
		ix.insert(k, p)
	}
	ix.text.add(p)
	owned := ix.byOwner[p.owner]
	i, _ := slices.BinarySearchFunc(owned, p.name, cmpName)
	ix.byOwner[p.owner] = slices.Insert(owned, i, p)
	ix.downloads += p.downloads
}

func cmpName(p *pkgRec, name string) int { return strings.Compare(p.name, name) }

// remove forgets a package; call it before the package leaves the map.
func (ix *index) remove(p *pkgRec) {
	if !ix.changed() {
		return
	}
	for k := range numSortKeys {
		ix.delete(k, p)
	}
	ix.text.drop(p)
	ix.byID[p.id] = nil
	ix.free = append(ix.free, p.id)
	owned := ix.byOwner[p.owner]
	if i, found := slices.BinarySearchFunc(owned, p.name, cmpName); found {
		owned = slices.Delete(owned, i, i+1)
	}
	if len(owned) == 0 {
		delete(ix.byOwner, p.owner)
	} else {
		ix.byOwner[p.owner] = owned
	}
	ix.downloads -= p.downloads
}

// update applies mutate to p, which may change its values of the sort
// keys given and, when retext, its search text.
func (ix *index) update(p *pkgRec, retext bool, mutate func(), keys ...sortKey) {
	if !ix.changed() {
		mutate()
		return
	}
	for _, k := range keys {
		ix.delete(k, p)
	}
	was := p.downloads
	mutate()
	ix.downloads += p.downloads - was
	for _, k := range keys {
		ix.insert(k, p)
	}
	if retext {
		ix.text.drop(p)
		ix.text.add(p)
	}
}

// find is where p belongs in order k: the order is total, so the first
// id not before p is p itself when p is there.
func (ix *index) find(k sortKey, p *pkgRec) int {
	i, _ := slices.BinarySearchFunc(ix.orders[k], p, func(id int32, p *pkgRec) int {
		return k.compare(ix.byID[id], p)
	})
	return i
}

func (ix *index) insert(k sortKey, p *pkgRec) {
	ix.orders[k] = slices.Insert(ix.orders[k], ix.find(k, p), p.id)
}

func (ix *index) delete(k sortKey, p *pkgRec) {
	i := ix.find(k, p)
	if i == len(ix.orders[k]) || ix.orders[k][i] != p.id {
		panic("legiontest: the package index is out of step with the packages")
	}
	ix.orders[k] = slices.Delete(ix.orders[k], i, i+1)
}

// matching calls fn with each package whose search text (seg) contains
// needle; fn decides whether it really matches.
func (ix *index) matching(needle string, fn func(p *pkgRec, seg []byte)) {
	ix.text.scan(needle, func(id int32, seg []byte) { fn(ix.byID[id], seg) })
}

// page returns the ids at positions [start, end) of order k, counting
// only the packages in the marks bitmap when filtered.
func (ix *index) page(k sortKey, filtered bool, start, end int) []*pkgRec {
	out := make([]*pkgRec, 0, end-start)
	if !filtered {
		for _, id := range ix.orders[k][start:end] {
			out = append(out, ix.byID[id])
		}
		return out
	}
	seen := 0
	for _, id := range ix.orders[k] {
		if seen == end {
			break
		}
		if ix.marks[id/64]&(1<<(id%64)) == 0 {
			continue
		}
		if seen >= start {
			out = append(out, ix.byID[id])
		}
		seen++
	}
	return out
}

func (ix *index) mark(id int32) { ix.marks[id/64] |= 1 << (id % 64) }

func (ix *index) clearMarks() { clear(ix.marks) }
