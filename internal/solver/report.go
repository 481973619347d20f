package solver

import (
	"fmt"
	"strings"
)

// Failure is a proof that no solution exists: the derivation, from facts
// about the packages (dependencies, missing packages, ranges that match
// nothing), of "the project cannot be selected". Error renders it as pub
// does, in sentences that lead to the packages to change.
type Failure struct {
	s    *solver
	root *incompat
}

func (f *Failure) Error() string { return f.Report() }

// NotFound reports whether the derivation rests on a package that does
// not exist or a range that matches no published version: publishing (or
// fixing a name or range) is what would help, rather than a conflict.
func (f *Failure) NotFound() bool {
	found := false
	f.walk(f.root, map[*incompat]bool{}, func(in *incompat) {
		if in.cause == causeNotFound || in.cause == causeNoVersions {
			found = true
		}
	})
	return found
}

// Packages names every package the derivation mentions, project excluded.
func (f *Failure) Packages() []string {
	var out []string
	seen := map[int]bool{rootID: true}
	f.walk(f.root, map[*incompat]bool{}, func(in *incompat) {
		for _, t := range in.terms {
			if !seen[t.pkg] {
				seen[t.pkg] = true
				out = append(out, f.s.pkgs[t.pkg].name)
			}
		}
		if in.dep != "" {
			if id, ok := f.s.byName[in.dep]; !ok || !seen[id] {
				seen[id] = true
				out = append(out, in.dep)
			}
		}
	})
	return out
}

func (f *Failure) walk(in *incompat, seen map[*incompat]bool, visit func(*incompat)) {
	if seen[in] {
		return
	}
	seen[in] = true
	visit(in)
	if in.cause == causeConflict {
		f.walk(in.conflict, seen, visit)
		f.walk(in.other, seen, visit)
	}
}

// Line is one sentence of the explanation; Number is set (from 1) on a
// sentence that later ones refer to as "(Number)".
type Line struct {
	Number int    `json:"number,omitempty"`
	Text   string `json:"text"`
}

// Step is one incompatibility of the derivation, as data.
type Step struct {
	ID int `json:"id"`
	// Kind is "root", "dependency", "not-found", "no-versions", "unusable"
	// or "derived".
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Terms []Term `json:"terms"`
	// From are the ids of the two steps a derived one follows from.
	From []int `json:"from,omitempty"`
	// Dependency and Range are a dependency's, a missing package's or an
	// unmatched range's.
	Dependency string `json:"dependency,omitempty"`
	Range      string `json:"range,omitempty"`
}

// Term is one term of a step: the package is selected at a version in
// Versions (Positive), or is not (not Positive).
type Term struct {
	Package  string   `json:"package"`
	Positive bool     `json:"positive"`
	Range    string   `json:"range,omitempty"` // as written, or derived from the versions
	Versions []string `json:"versions"`
}

// Derivation is the explanation as data: the steps (the last one is the
// failure) and the sentences of the report.
type Derivation struct {
	Steps []Step `json:"steps"`
	Lines []Line `json:"lines"`
}

// Derivation returns the failure as data, for --json.
func (f *Failure) Derivation() *Derivation {
	d := &Derivation{Lines: f.lines()}
	ids := map[*incompat]int{}
	var add func(in *incompat) int
	add = func(in *incompat) int {
		if id, ok := ids[in]; ok {
			return id
		}
		var from []int
		if in.cause == causeConflict {
			from = []int{add(in.conflict), add(in.other)}
		}
		st := Step{Kind: kindName[in.cause], Text: f.s.text(in), From: from, Dependency: in.dep, Range: in.rng}
		for _, t := range in.terms {
			st.Terms = append(st.Terms, f.termData(t))
		}
		st.ID = len(d.Steps) + 1
		ids[in] = st.ID
		d.Steps = append(d.Steps, st)
		return st.ID
	}
	add(f.root)
	return d
}

var kindName = map[cause]string{
	causeRoot: "root", causeDependency: "dependency", causeNotFound: "not-found",
	causeNoVersions: "no-versions", causeUnusable: "unusable", causeConflict: "derived",
}

func (f *Failure) termData(t term) Term {
	p := f.s.pkgs[t.pkg]
	pos := t
	if !t.positive() {
		pos = f.s.inverse(t)
	}
	out := Term{Package: p.name, Positive: t.positive(), Versions: []string{}}
	if t.pkg != rootID {
		out.Range = describeSet(p, pos.set, pos.label)
		for i, v := range p.versions {
			if pos.set.has(i) {
				out.Versions = append(out.Versions, v.Version.Original())
			}
		}
	}
	if out.Range == "" {
		out.Range = "*"
	}
	return out
}

// Report renders the derivation as numbered sentences, one per line.
func (f *Failure) Report() string {
	lines := f.lines()
	width := 0
	for _, l := range lines {
		if l.Number > 0 {
			width = len(fmt.Sprintf("(%d) ", l.Number))
		}
	}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case l.Text == "":
		case l.Number > 0:
			fmt.Fprintf(&b, "%-*s%s", width, fmt.Sprintf("(%d)", l.Number), l.Text)
		default:
			b.WriteString(strings.Repeat(" ", width) + l.Text)
		}
	}
	return b.String()
}

// writer lays out the derivation as pub's failure report does: a derived
// incompatibility used more than once gets a number and is referred to by
// it; a branch that is not a simple chain is written out first as its own
// paragraph ending in a numbered conclusion.
type writer struct {
	s       *solver
	lines   []Line
	numbers map[*incompat]int
	uses    map[*incompat]int
}

func (f *Failure) lines() []Line {
	w := &writer{s: f.s, numbers: map[*incompat]int{}, uses: map[*incompat]int{}}
	w.count(f.root)
	if f.root.cause == causeConflict {
		w.visit(f.root, false)
		// The last sentence is the conclusion, as in pub: "So, because …".
		last := &w.lines[len(w.lines)-1]
		last.Text = strings.Replace(last.Text, "And because", "So, because", 1)
	} else {
		w.write(f.root, "Because "+f.s.text(f.root)+", version solving failed.", false)
	}
	return w.lines
}

func (w *writer) count(in *incompat) {
	w.uses[in]++
	if w.uses[in] > 1 || in.cause != causeConflict {
		return
	}
	w.count(in.conflict)
	w.count(in.other)
}

func (w *writer) write(in *incompat, text string, numbered bool) {
	if numbered {
		n := len(w.numbers) + 1
		w.numbers[in] = n
		w.lines = append(w.lines, Line{Number: n, Text: text})
		return
	}
	w.lines = append(w.lines, Line{Text: text})
}

func derived(in *incompat) bool { return in.cause == causeConflict }

func (w *writer) visit(in *incompat, conclusion bool) {
	numbered := conclusion || w.uses[in] > 1
	conj := "And"
	if numbered {
		conj = "So,"
	}
	text := w.s.text(in)
	a, b := in.conflict, in.other
	switch {
	case derived(a) && derived(b):
		la, lb := w.numbers[a], w.numbers[b]
		switch {
		case la > 0 && lb > 0:
			w.write(in, "Because "+w.s.andText(a, b, la, lb)+", "+text+".", numbered)
		case la > 0 || lb > 0:
			with, without, line := a, b, la
			if la == 0 {
				with, without, line = b, a, lb
			}
			w.visit(without, false)
			w.write(in, conj+" because "+w.s.text(with)+lineRef(line)+", "+text+".", numbered)
		default:
			singleA, singleB := singleLine(a), singleLine(b)
			if singleA || singleB {
				first, second := a, b
				if singleB {
					first, second = a, b
				} else {
					first, second = b, a
				}
				w.visit(first, false)
				w.visit(second, false)
				w.write(in, "Thus, "+text+".", numbered)
			} else {
				w.visit(a, true)
				w.lines = append(w.lines, Line{})
				w.visit(b, false)
				w.write(in, conj+" because "+w.s.text(a)+lineRef(w.numbers[a])+", "+text+".", numbered)
			}
		}
	case derived(a) || derived(b):
		der, ext := a, b
		if !derived(a) {
			der, ext = b, a
		}
		if n := w.numbers[der]; n > 0 {
			w.write(in, "Because "+w.s.andText(ext, der, 0, n)+", "+text+".", numbered)
		} else if w.collapsible(der) {
			dc := der
			cd, ce := dc.conflict, dc.other
			if !derived(cd) {
				cd, ce = ce, cd
			}
			w.visit(cd, false)
			w.write(in, conj+" because "+w.s.andText(ce, ext, 0, 0)+", "+text+".", numbered)
		} else {
			w.visit(der, false)
			w.write(in, conj+" because "+w.s.text(ext)+", "+text+".", numbered)
		}
	default:
		// Start from the package the conclusion is about ("Because a
		// depends on b which depends on …, a … is forbidden").
		la, lb := w.leadsTo(a, in), w.leadsTo(b, in)
		if !la && lb || la == lb && positivePkg(b) < positivePkg(a) {
			a, b = b, a // else the package reached first comes first
		}
		w.write(in, "Because "+w.s.andText(a, b, 0, 0)+", "+text+".", numbered)
	}
}

// positivePkg is the package of in's one positive term, or -1.
func positivePkg(in *incompat) int {
	if t, ok := in.single(true); ok {
		return t.pkg
	}
	return -1
}

// leadsTo reports whether the positive term of cause is about a package
// that the conclusion names.
func (w *writer) leadsTo(cause, conclusion *incompat) bool {
	p, ok := cause.single(true)
	if !ok {
		return false
	}
	for _, t := range conclusion.terms {
		if t.pkg == p.pkg {
			return true
		}
	}
	return false
}

// singleLine: both causes are external, so it is written in one sentence.
func singleLine(in *incompat) bool { return !derived(in.conflict) && !derived(in.other) }

// collapsible: a derived incompatibility used once, from one derived and
// one external cause, can be folded into the sentence that uses it.
func (w *writer) collapsible(in *incompat) bool {
	if w.uses[in] > 1 || !derived(in) {
		return false
	}
	a, b := in.conflict, in.other
	if derived(a) == derived(b) {
		return false
	}
	d := a
	if !derived(a) {
		d = b
	}
	return w.numbers[d] == 0
}
