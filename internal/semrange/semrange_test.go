package semrange

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-cmp/cmp"
)

// corpus is testdata/corpus.json: the inputs of the differential test.
type corpus struct {
	Ranges         []string `json:"ranges"`
	Versions       []string `json:"versions"`
	VersionStrings []string `json:"versionStrings"`
}

// npmAnswers is testdata/npm-answers.json, written by testdata/gen/gen.mjs
// with npm's semver package.
type npmAnswers struct {
	Semver   string   `json:"semver"`
	Versions []string `json:"versions"`
	Ranges   []struct {
		Range         string   `json:"range"`
		ValidRange    *string  `json:"validRange"` // nil: npm rejects the range
		Satisfies     []string `json:"satisfies"`  // the corpus versions npm says satisfy it
		MaxSatisfying *string  `json:"maxSatisfying"`
	} `json:"ranges"`
	VersionStrings []struct {
		Version string `json:"version"`
		Strict  bool   `json:"strict"` // npm parses it, with no "v" prefix or surrounding space
	} `json:"versionStrings"`
}

func loadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadCorpus(t testing.TB) (corpus, npmAnswers) {
	t.Helper()
	var c corpus
	var a npmAnswers
	loadJSON(t, "corpus.json", &c)
	loadJSON(t, "npm-answers.json", &a)
	answered := make([]string, len(a.Ranges))
	for i, r := range a.Ranges {
		answered[i] = r.Range
	}
	if diff := cmp.Diff(c.Ranges, answered); diff != "" {
		t.Fatalf("npm-answers.json is stale, regenerate it (see testdata/gen/README.md); ranges (-corpus +answers):\n%s", diff)
	}
	if diff := cmp.Diff(c.Versions, a.Versions); diff != "" {
		t.Fatalf("npm-answers.json is stale, regenerate it (see testdata/gen/README.md); versions (-corpus +answers):\n%s", diff)
	}
	return c, a
}

func mustVersion(t testing.TB, s string) *semver.Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustParse(t testing.TB, s string) *Range {
	t.Helper()
	r, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNPMDifferential checks every corpus range, and every (range, version)
// pair, against npm semver's validRange, satisfies and maxSatisfying.
func TestNPMDifferential(t *testing.T) {
	t.Parallel()
	c, npm := loadCorpus(t)
	t.Logf("npm semver %s: %d ranges x %d versions = %d pairs", npm.Semver,
		len(c.Ranges), len(c.Versions), len(c.Ranges)*len(c.Versions))

	// nil entries at both ends: Max must skip them (npm never sees them).
	vs := []*semver.Version{nil}
	for _, s := range c.Versions {
		vs = append(vs, mustVersion(t, s))
	}
	vs = append(vs, nil)

	for _, want := range npm.Ranges {
		npmForm := "invalid"
		if want.ValidRange != nil {
			npmForm = strconv.Quote(*want.ValidRange)
		}
		r, err := Parse(want.Range)
		if (err == nil) != (want.ValidRange != nil) {
			t.Errorf("Parse(%q): npm validRange says %s, we say err=%v", want.Range, npmForm, err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(want.Range)) {
				t.Errorf("Parse(%q): error %q does not name the range", want.Range, err)
			}
			continue
		}
		if got := r.String(); got != want.Range {
			t.Errorf("Parse(%q).String() = %q, want the range as written", want.Range, got)
		}

		sat := make(map[string]bool, len(want.Satisfies))
		for _, v := range want.Satisfies {
			sat[v] = true
		}
		for _, v := range vs[1 : len(vs)-1] {
			if got := r.Contains(v); got != sat[v.Original()] {
				t.Errorf("range %q (npm: %s), version %q: npm says satisfies=%v, we say %v",
					want.Range, npmForm, v.Original(), sat[v.Original()], got)
			}
		}

		var got *string
		if m := r.Max(vs); m != nil {
			s := m.Original()
			got = &s
		}
		if diff := cmp.Diff(want.MaxSatisfying, got); diff != "" {
			t.Errorf("range %q (npm: %s): Max differs from npm maxSatisfying (-npm +we):\n%s", want.Range, npmForm, diff)
		}
	}

	for _, want := range npm.VersionStrings {
		_, err := ParseVersion(want.Version)
		if (err == nil) != want.Strict {
			t.Errorf("ParseVersion(%q): npm says strict=%v, we say err=%v", want.Version, want.Strict, err)
		}
	}
}

// TestContains pins the npm rules the package exists for, independently of
// the corpus.
func TestContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rng, version string
		want         bool
	}{
		// A prerelease needs a prerelease comparator on the same triple.
		{">=1.2.3-beta.1", "1.2.3-beta.2", true},
		{">=1.2.3-beta.1", "1.3.0-beta", false},
		{">=1.2.3-beta.1", "1.3.0", true},
		{"^1.0.0", "1.5.0-rc.1", false},
		{"<2.0.0", "2.0.0-rc.1", false},
		{"<2.0.0", "1.9.0-rc.1", false},
		{"^1.2.3-beta.1", "1.2.3-beta.2", true},
		{"^1.2.3-beta.1", "1.2.4-beta.2", false},
		{"1.2.3-beta.2 || 2.x", "1.2.3-beta.2", true},
		// ... and a union with an "any" set collapses to it, so none at all.
		{"* || 1.2.3-beta.2", "1.2.3-beta.2", false},
		{"* || 1.2.3-beta.2", "0.0.0", true},
		{"", "0.0.0", true},
		{"", "1.0.0-rc.1", false},
		{"^*", "1.0.0", true},
		{"^*", "1.0.0-rc.1", false},
		{"<=*", "2.0.0", true},
		{"<*", "0.0.0", false},
		{">=0.0.0", "0.0.0", true},
		{"~0.0.0", "0.0.5", true},
		{"~0.0.0", "0.1.0", false},
		{"^0.0.x", "0.0.9", true},
		{"^0.0.x", "0.1.0", false},
		{"^0.0.3", "0.0.4", false},
		{"~1", "1.9.9", true},
		{"~1", "2.0.0", false},
		{"~>1.2", "1.2.5", true},
		{"~>1.2", "1.3.0", false},
		{"^0.x", "0.9.0", true},
		{"^0.x", "1.0.0", false},
		{"1.x || >=2.5.0", "1.0.0", true},
		{"1.x || >=2.5.0", "2.4.9", false},
		{"1.x || >=2.5.0", "2.5.0", true},
		{"1.2 - 2", "1.1.9", false},
		{"1.2 - 2", "1.2.0", true},
		{"1.2 - 2", "2.9.9", true},
		{"1.2 - 2", "3.0.0", false},
		{">1.2", "1.2.9", false},
		{">1.2", "1.3.0", true},
		{"<1.2", "1.1.9", true},
		{"<1.2", "1.2.0", false},
		{"<=1.2", "1.2.9", true},
		{">= 1.2.3", "1.2.3", true},
		{"=1.2.3", "1.2.3+b.1", true},
		{"v1.2.3", "1.2.3", true},
		{"1.2.3+build", "1.2.3", true},
		{"1.2.3", "1.2.4", false},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.rng).Contains(mustVersion(t, tt.version)); got != tt.want {
			t.Errorf("Parse(%q).Contains(%q) = %v, want %v", tt.rng, tt.version, got, tt.want)
		}
	}
	if mustParse(t, "*").Contains(nil) {
		t.Error("Contains(nil) = true")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", " ", "*", "~>1", "~=1", "~> 1.2", "^ 1", ">= 1.2.3 < 2", "1.2.3 - 2", "\t^1.2.3\n"} {
		if r, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		} else if r.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, r.String())
		}
	}
	long := strings.Repeat("1.2.3 || ", 28) + "1.2.3" // 257 bytes, valid for npm
	for _, s := range []string{">=>1", "^^1", "1.2.3.4", "abc", ">=1.0.0 <", "latest", ">", "1.2.3 |", long} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", s)
		} else if len(s) <= 32 && !strings.Contains(err.Error(), strconv.Quote(s)) {
			t.Errorf("Parse(%q): error %q does not name the range", s, err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1.0.0", "0.0.0", "1.0.0-rc.1+b.2", "1.0.0+20130313144700", "9007199254740991.0.0"} {
		v, err := ParseVersion(s)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", s, err)
		} else if v.Original() != s {
			t.Errorf("ParseVersion(%q).Original() = %q", s, v.Original())
		}
	}
	for _, s := range []string{"", "v1.0.0", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+", "=1.0.0", " 1.0.0", "9007199254740992.0.0"} {
		if _, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) succeeded, want an error", s)
		}
	}
}

func TestMax(t *testing.T) {
	t.Parallel()
	vs := func(ss ...string) []*semver.Version {
		var out []*semver.Version
		for _, s := range ss {
			if s == "" {
				out = append(out, nil)
			} else {
				out = append(out, mustVersion(t, s))
			}
		}
		return out
	}
	tests := []struct {
		rng  string
		vs   []*semver.Version
		want string // "" for nil
	}{
		{"^1.0.0", nil, ""},
		{"^1.0.0", vs("", ""), ""},
		{"^1.0.0", vs("1.2.0", "", "2.0.0", "1.10.0", "1.9.0", "1.11.0-rc.1"), "1.10.0"},
		{"^1.0.0", vs("0.9.0", "2.0.0"), ""},
		{">=1.0.0-rc.1 <2", vs("1.0.0-rc.1", "1.0.0-rc.2", "0.9.0"), "1.0.0-rc.2"},
		{"1.2.3", vs("1.2.3+b", "1.2.3", "1.2.3+a"), "1.2.3+b"}, // ties: first wins, as in npm
	}
	for _, tt := range tests {
		got := mustParse(t, tt.rng).Max(tt.vs)
		gotS := ""
		if got != nil {
			gotS = got.Original()
		}
		if gotS != tt.want {
			t.Errorf("Parse(%q).Max(...) = %q, want %q", tt.rng, gotS, tt.want)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	r := mustParse(t, "^1.2.3 || >=2.5.0-rc.1 <3")
	v := mustVersion(t, "2.5.0-rc.2")
	done := make(chan bool)
	for range 4 {
		go func() { done <- r.Contains(v) && r.Max([]*semver.Version{v}) == v }()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent Contains/Max gave a wrong answer")
		}
	}
}

func FuzzParse(f *testing.F) {
	var c corpus
	loadJSON(f, "corpus.json", &c)
	for _, s := range c.Ranges {
		f.Add(s)
	}
	var vs []*semver.Version
	for _, s := range c.Versions {
		vs = append(vs, mustVersion(f, s))
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if r != nil {
				t.Fatalf("Parse(%q) returned a range and an error", s)
			}
			return
		}
		if r.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, r.String())
		}
		for _, v := range vs {
			r.Contains(v)
		}
		if m := r.Max(vs); m != nil && !r.Contains(m) {
			t.Fatalf("Parse(%q).Max returned %q, which it does not contain", s, m.Original())
		}
	})
}

func BenchmarkContains(b *testing.B) {
	r := mustParse(b, "^1.2.3 || >=2.5.0-rc.1 <3")
	v := mustVersion(b, "2.5.0-rc.2")
	b.ReportAllocs()
	for range b.N {
		if !r.Contains(v) {
			b.Fatal("not contained")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	ranges := []string{"^1.2.3", "~1.2", ">=1 <2", "1.x || >=2.5.0", "1.2.3 - 2.0.0", "*", ">= 1.2.3-beta.1 < 2"}
	b.ReportAllocs()
	for i := range b.N {
		if _, err := Parse(ranges[i%len(ranges)]); err != nil {
			b.Fatal(err)
		}
	}
}
