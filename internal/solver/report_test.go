package solver

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestReports: each shape of explanation, word for word.
func TestReports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reg      registry
		root     deps
		want     []string
		notFound bool
	}{{
		name: "a single conflict (the issue's example)",
		reg: registry{
			"legion-a": {"1.0.0": {"legion-c": "^1.0.0"}, "1.1.0": {"legion-c": "^2.0.0"}},
			"legion-b": {"1.0.0": {"legion-c": "^1.0.0"}},
			"legion-c": {"1.0.0": nil, "2.0.0": nil},
		},
		root: deps{"legion-a": "^1.1.0", "legion-b": "^1.0.0"},
		want: []string{
			"Because legion-a >=1.1.0 depends on legion-c ^2.0.0 and legion-b depends on legion-c ^1.0.0, legion-a >=1.1.0 is incompatible with legion-b.",
			"So, because app depends on both legion-a ^1.1.0 and legion-b ^1.0.0, version solving failed.",
		},
	}, {
		name: "a chain",
		reg: registry{
			"a": {"1.0.0": {"b": "^1"}},
			"b": {"1.0.0": {"c": "^1"}},
			"c": {"1.0.0": {"d": "^2"}},
			"d": {"1.0.0": nil},
		},
		root:     deps{"a": "^1"},
		notFound: true,
		want: []string{
			"Because b depends on c ^1 which depends on d ^2 which doesn't match any versions, b is forbidden.",
			"So, because app depends on a ^1 which depends on b ^1, version solving failed.",
		},
	}, {
		name: "a branch with a numbered step",
		reg: registry{
			"foo": {"1.0.0": {"a": "^1.0.0", "b": "^1.0.0"}, "1.1.0": {"x": "^1.0.0", "y": "^1.0.0"}},
			"a":   {"1.0.0": {"b": "^2.0.0"}},
			"b":   {"1.0.0": nil, "2.0.0": nil},
			"x":   {"1.0.0": {"y": "^2.0.0"}},
			"y":   {"1.0.0": nil, "2.0.0": nil},
		},
		root: deps{"foo": "^1.0.0"},
		want: []string{
			"    Because foo 1.0.0 depends on a ^1.0.0 which depends on b ^2.0.0, foo 1.0.0 requires b ^2.0.0.",
			"(1) So, because foo 1.0.0 depends on b ^1.0.0, foo 1.0.0 is forbidden.",
			"",
			"    Because foo >=1.1.0 depends on x ^1.0.0 which depends on y ^2.0.0, foo >=1.1.0 requires y ^2.0.0.",
			"    And because foo >=1.1.0 depends on y ^1.0.0, foo >=1.1.0 is forbidden.",
			"    And because foo 1.0.0 is forbidden (1), foo is forbidden.",
			"    So, because app depends on foo ^1.0.0, version solving failed.",
		},
	}, {
		name:     "a missing version",
		reg:      registry{"a": {"1.0.0": nil, "1.5.0": nil}},
		root:     deps{"a": "^2"},
		notFound: true,
		want:     []string{"Because app depends on a ^2 which doesn't match any versions, version solving failed."},
	}, {
		name:     "a missing package",
		reg:      registry{"a": {"1.0.0": {"ghost": "^1"}}},
		root:     deps{"a": "^1"},
		notFound: true,
		want:     []string{"Because app depends on a ^1 which depends on ghost which doesn't exist, version solving failed."},
	}, {
		name: "a cycle",
		reg: registry{
			"a": {"1.0.0": {"b": "^1"}, "2.0.0": {"b": "^1"}},
			"b": {"1.0.0": {"a": "^2"}},
		},
		root: deps{"a": "~1.0"},
		want: []string{
			"Because a depends on b ^1 which depends on a ^2, a 1.0.0 is forbidden.",
			"So, because app depends on a ~1.0, version solving failed.",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := solveReg(tt.reg, tt.root, nil)
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("err = %v, want a *Failure", err)
			}
			if got, want := f.Report(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("report:\n%s\nwant:\n%s", got, want)
			}
			if f.NotFound() != tt.notFound {
				t.Errorf("NotFound() = %v, want %v", f.NotFound(), tt.notFound)
			}
		})
	}
}

// TestDerivationData: --json's data is the same derivation: every step
// names its kind and terms, a derived step the two it follows from, and
// the lines match the report.
func TestDerivationData(t *testing.T) {
	t.Parallel()
	reg := registry{
		"legion-a": {"1.0.0": {"legion-c": "^1.0.0"}, "1.1.0": {"legion-c": "^2.0.0"}},
		"legion-b": {"1.0.0": {"legion-c": "^1.0.0"}},
		"legion-c": {"1.0.0": nil, "2.0.0": nil},
	}
	_, err := solveReg(reg, deps{"legion-a": "^1.1.0", "legion-b": "^1.0.0"}, nil)
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatal(err)
	}
	d := f.Derivation()
	var kinds []string
	for _, st := range d.Steps {
		kinds = append(kinds, st.Kind)
	}
	// Two dependencies and the conflict between them, then each of the
	// project's two dependencies resolved with it in turn: the last step
	// is the failure, and each derived step comes after its causes.
	if got, want := strings.Join(kinds, " "), "dependency dependency derived dependency derived dependency derived"; got != want {
		t.Errorf("kinds = %s, want %s", got, want)
	}
	last := d.Steps[len(d.Steps)-1]
	if last.Text != "version solving failed" || len(last.From) != 2 {
		t.Errorf("last step = %+v", last)
	}
	for _, st := range d.Steps {
		for _, from := range st.From {
			if from >= st.ID {
				t.Errorf("step %d follows from the later step %d", st.ID, from)
			}
		}
	}
	dep := d.Steps[0]
	if dep.Kind != "dependency" || dep.Terms[0].Package == "" || len(dep.Terms) != 2 || dep.Terms[1].Positive {
		t.Errorf("first step = %+v", dep)
	}
	var lines []string
	for _, l := range d.Lines {
		lines = append(lines, l.Text)
	}
	if got := strings.Join(lines, "\n"); got != f.Report() {
		t.Errorf("lines:\n%s\nreport:\n%s", got, f.Report())
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d.Steps[0])
	if want := `{"id":1,"kind":"dependency","text":"legion-b depends on legion-c ^1.0.0","terms":[{"package":"legion-b","positive":true,"range":"*","versions":["1.0.0"]},{"package":"legion-c","positive":false,"range":"^1.0.0","versions":["1.0.0"]}],"dependency":"legion-c","range":"^1.0.0"}`; string(b) != want {
		t.Errorf("step 1 = %s\nwant      %s", b, want)
	}
}
