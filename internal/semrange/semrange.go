// Package semrange implements npm-style version ranges ("^1.2.3", "~1.2",
// ">=1 <2", "1.x || >=2.5.0", "1.2.3 - 2", "*") with exactly the meaning that
// npm's semver package gives them, so the SDK, the fake registry and the CLI
// resolve a dependency to the same version that an npm client would.
//
// Versions are github.com/Masterminds/semver/v3 values, and version parsing
// and ordering are Masterminds'. Range parsing is not: Masterminds' range
// grammar disagrees with npm on partial versions, x-ranges, hyphen ranges,
// stars and, above all, prereleases. So Parse follows node-semver's own
// pipeline (classes/range.js in semver 7.8.6): the range is rewritten step by
// step, with the same regular expressions, into primitive comparators such as
// ">=1.2.3" and "<2.0.0-0", and those are tested with Version.Compare and
// npm's prerelease rule. Keeping the rewrite steps in npm's order is what
// makes the odd corners (">1.2", "<=*", "~>1", "1.2 - 2", "* || 1.2.3-pre")
// come out the same; the differential test in this package checks that
// against npm's answers.
package semrange

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

const (
	// maxRangeLen is a cheap guard against abusive input; real ranges are
	// far shorter. It also keeps every identifier inside the length limits
	// npm's own regular expressions impose, so those limits need no copy here.
	maxRangeLen = 256
	// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER: npm rejects
	// versions whose major, minor or patch number is larger.
	maxSafeInteger = 1<<53 - 1
)

// Regular expression sources, transcribed from node-semver's internal/re.js
// (strict, not loose, mode). npm runs them with "\s*" bounded to "\s{0,1}"
// and "\s+" to "\s{1}" after collapsing whitespace to single spaces; that is
// written here as `\s?` and `\s`.
const (
	numericID    = `0|[1-9]\d*`
	nonNumericID = `\d*[a-zA-Z-][a-zA-Z0-9-]*`
	preID        = `(?:` + nonNumericID + `|` + numericID + `)`
	preIDLoose   = `(?:` + nonNumericID + `|\d+)`
	prerelease   = `(?:-(` + preID + `(?:\.` + preID + `)*))`
	preLoose     = `(?:-?(` + preIDLoose + `(?:\.` + preIDLoose + `)*))`
	buildID      = `[a-zA-Z0-9-]+`
	build        = `(?:\+(` + buildID + `(?:\.` + buildID + `)*))`
	fullPlain    = `v?(` + numericID + `)\.(` + numericID + `)\.(` + numericID + `)` + prerelease + `?` + build + `?`
	loosePlain   = `[v=\s]*(\d+)\.(\d+)\.(\d+)` + preLoose + `?` + build + `?`
	gtlt         = `((?:<|>)?=?)`
	xrangeID     = numericID + `|x|X|\*`
	xrangePlain  = `[v=\s]*(` + xrangeID + `)(?:\.(` + xrangeID + `)(?:\.(` + xrangeID + `)(?:` + prerelease + `)?` + build + `?)?)?`
)

var (
	buildRe          = regexp.MustCompile(build)
	hyphenRe         = regexp.MustCompile(`^\s?(` + xrangePlain + `)\s-\s(` + xrangePlain + `)\s?$`)
	comparatorTrimRe = regexp.MustCompile(`(\s?)` + gtlt + `\s?(` + loosePlain + `|` + xrangePlain + `)`)
	tildeTrimRe      = regexp.MustCompile(`(\s?)~>?\s`)
	caretTrimRe      = regexp.MustCompile(`(\s?)\^\s`)
	tildeRe          = regexp.MustCompile(`^~>?` + xrangePlain + `$`)
	caretRe          = regexp.MustCompile(`^\^` + xrangePlain + `$`)
	xrangeRe         = regexp.MustCompile(`^` + gtlt + `\s?` + xrangePlain + `$`)
	starRe           = regexp.MustCompile(`(<|>)?=?\s?\*`)
	gte0Re           = regexp.MustCompile(`^\s?>=\s?0\.0\.0\s?$`)
	comparatorRe     = regexp.MustCompile(`^` + gtlt + `\s?(` + fullPlain + `)$|^$`)
	spacesRe         = regexp.MustCompile(`\s+`)
)

// Range is a parsed npm-style range; immutable, safe for concurrent use.
type Range struct {
	raw string
	// sets is npm's comparator-set list: a version is in the range when it
	// passes every comparator of at least one set. An empty set admits any
	// release (but no prerelease).
	sets [][]comparator
}

// comparator is one primitive test such as ">=1.2.3" or "<2.0.0-0".
type comparator struct {
	op string          // "", "<", "<=", ">" or ">="; "" means equal
	v  *semver.Version // nil (any version) only inside parseSet, never in a set
}

// Parse parses an npm-style range. An empty string means "*". It fails
// exactly where npm's validRange returns null, and for ranges longer than 256
// bytes.
func Parse(s string) (*Range, error) {
	if len(s) > maxRangeLen {
		return nil, fmt.Errorf("semrange: range %.32q... is longer than %d bytes", s, maxRangeLen)
	}
	r := &Range{raw: s}
	for _, part := range strings.Split(collapseSpace(s), "||") {
		set, err := parseSet(strings.Trim(part, " "))
		if err != nil {
			return nil, fmt.Errorf("semrange: invalid range %q: %w", s, err)
		}
		r.sets = append(r.sets, set)
	}
	// npm reduces a union that contains an "any" set to that set alone, so
	// "* || 1.2.3-rc" admits no prerelease at all.
	for _, set := range r.sets {
		if len(set) == 0 {
			r.sets = [][]comparator{nil}
			break
		}
	}
	return r, nil
}

// String returns the range as written.
func (r *Range) String() string { return r.raw }

// Contains reports whether v satisfies r with npm's default options: a
// prerelease version only matches a comparator set that itself names a
// prerelease of the same major.minor.patch, so "^1.0.0" never offers
// "1.5.0-rc.1" to someone who did not ask for prereleases.
func (r *Range) Contains(v *semver.Version) bool {
	if v == nil {
		return false
	}
	for _, set := range r.sets {
		if testSet(set, v) {
			return true
		}
	}
	return false
}

// Max returns the highest version in vs that r contains, or nil. vs need not be sorted; nil entries ignored.
// Among versions that compare equal (differing only in build metadata) the
// first one wins, as with npm's maxSatisfying.
func (r *Range) Max(vs []*semver.Version) *semver.Version {
	var best *semver.Version
	for _, v := range vs {
		if v != nil && r.Contains(v) && (best == nil || best.Compare(v) < 0) {
			best = v
		}
	}
	return best
}

// ParseVersion parses a strict semantic version (MAJOR.MINOR.PATCH[-pre][+build], no "v" prefix, no leading zeros) as the registry requires.
// Numbers above 2^53-1 are rejected too, since npm clients cannot represent
// them.
func ParseVersion(s string) (*semver.Version, error) {
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("semrange: invalid version %q: %w", s, err)
	}
	if v.Major() > maxSafeInteger || v.Minor() > maxSafeInteger || v.Patch() > maxSafeInteger {
		return nil, fmt.Errorf("semrange: invalid version %q: number larger than %d", s, uint64(maxSafeInteger))
	}
	return v, nil
}

// testSet is npm's testSet: v passes every comparator, and if v is a
// prerelease, some comparator names a prerelease on v's major.minor.patch.
func testSet(set []comparator, v *semver.Version) bool {
	for _, c := range set {
		if !c.test(v) {
			return false
		}
	}
	if v.Prerelease() == "" {
		return true
	}
	for _, c := range set {
		if c.v.Prerelease() != "" && c.v.Major() == v.Major() && c.v.Minor() == v.Minor() && c.v.Patch() == v.Patch() {
			return true
		}
	}
	return false
}

func (c comparator) test(v *semver.Version) bool {
	d := v.Compare(c.v)
	switch c.op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	default:
		return d == 0
	}
}

// parseSet turns one "||"-separated part of a range into its comparators,
// following node-semver's Range.parseRange step by step. Comparators that
// admit any version are dropped, so a set that admits anything is empty.
func parseSet(r string) ([]comparator, error) {
	r = buildRe.ReplaceAllString(r, "")                      // build metadata never counts
	r = replaceFirst(hyphenRe, r, hyphenReplace)             // "1.2 - 3" => ">=1.2.0 <4.0.0-0"
	r = comparatorTrimRe.ReplaceAllString(r, "${1}${2}${3}") // "> 1.2.3" => ">1.2.3"
	r = tildeTrimRe.ReplaceAllString(r, "${1}~")             // "~ 1.2" => "~1.2"
	r = caretTrimRe.ReplaceAllString(r, "${1}^")             // "^ 1.2" => "^1.2"

	words := strings.Split(r, " ")
	for i, w := range words {
		words[i] = desugar(w)
	}
	var set []comparator
	for _, w := range spacesRe.Split(strings.Join(words, " "), -1) {
		if w = strings.Trim(w, " "); gte0Re.MatchString(w) {
			w = "" // ">=0.0.0" is "*"
		}
		c, err := newComparator(w)
		if err != nil {
			return nil, err
		}
		if c.v != nil {
			set = append(set, c)
		}
	}
	return set, nil
}

// desugar rewrites one word of a range (node-semver's parseComparator):
// carets, then tildes, then x-ranges, then stars, each into primitive
// comparators.
func desugar(w string) string {
	w = mapWords(strings.Trim(w, " "), replaceCaret)
	w = mapWords(strings.Trim(w, " "), replaceTilde)
	w = mapWords(w, replaceXRange)
	return replaceFirst(starRe, strings.Trim(w, " "), func([]string) string { return "" })
}

// replaceCaret: ^1.2.3 => >=1.2.3 <2.0.0-0, ^0.2.3 => >=0.2.3 <0.3.0-0,
// ^0.0.3 => >=0.0.3 <0.0.4-0, ^1.x => >=1.0.0 <2.0.0-0, ^* => "".
func replaceCaret(w string) string {
	return replaceFirst(caretRe, w, func(g []string) string {
		M, m, p, pr := g[1], g[2], g[3], g[4]
		switch {
		case isX(M):
			return ""
		case isX(m):
			return ">=" + M + ".0.0 <" + incr(M) + ".0.0-0"
		case isX(p) && M == "0":
			return ">=0." + m + ".0 <0." + incr(m) + ".0-0"
		case isX(p):
			return ">=" + M + "." + m + ".0 <" + incr(M) + ".0.0-0"
		}
		lo := ">=" + M + "." + m + "." + p
		if pr != "" {
			lo += "-" + pr
		}
		switch {
		case M == "0" && m == "0":
			return lo + " <0.0." + incr(p) + "-0"
		case M == "0":
			return lo + " <0." + incr(m) + ".0-0"
		default:
			return lo + " <" + incr(M) + ".0.0-0"
		}
	})
}

// replaceTilde: ~1.2.3 => >=1.2.3 <1.3.0-0, ~1.2 => >=1.2.0 <1.3.0-0,
// ~1 => >=1.0.0 <2.0.0-0, ~* => "". "~>" is a synonym for "~".
func replaceTilde(w string) string {
	return replaceFirst(tildeRe, w, func(g []string) string {
		M, m, p, pr := g[1], g[2], g[3], g[4]
		switch {
		case isX(M):
			return ""
		case isX(m):
			return ">=" + M + ".0.0 <" + incr(M) + ".0.0-0"
		case isX(p):
			return ">=" + M + "." + m + ".0 <" + M + "." + incr(m) + ".0-0"
		}
		lo := ">=" + M + "." + m + "." + p
		if pr != "" {
			lo += "-" + pr
		}
		return lo + " <" + M + "." + incr(m) + ".0-0"
	})
}

// replaceXRange: 1.2.x => >=1.2.0 <1.3.0-0, >1.2 => >=1.3.0,
// <=1 => <2.0.0-0, <* => <0.0.0-0 (nothing), >=* => * (anything).
func replaceXRange(w string) string {
	w = strings.Trim(w, " ")
	return replaceFirst(xrangeRe, w, func(g []string) string {
		op, M, m, p := g[1], g[2], g[3], g[4]
		if isX(M) && !isX(m) || isX(m) && p != "" && !isX(p) {
			return w // "x.1", "1.x.2": left for the comparator parser to reject
		}
		xm := isX(M) || isX(m)
		xp := xm || isX(p)
		if op == "=" && xp {
			op = ""
		}
		switch {
		case isX(M):
			if op == ">" || op == "<" {
				return "<0.0.0-0"
			}
			return "*"
		case op != "" && xp:
			if xm {
				m = "0"
			}
			p = "0"
			switch op {
			case ">": // >1 => >=2.0.0, >1.2 => >=1.3.0
				op = ">="
				if xm {
					M = incr(M)
				} else {
					m = incr(m)
				}
			case "<=": // <=1 => <2.0.0-0, <=1.2 => <1.3.0-0
				op = "<"
				if xm {
					M = incr(M)
				} else {
					m = incr(m)
				}
			}
			pr := ""
			if op == "<" {
				pr = "-0"
			}
			return op + M + "." + m + "." + p + pr
		case xm:
			return ">=" + M + ".0.0 <" + incr(M) + ".0.0-0"
		case xp:
			return ">=" + M + "." + m + ".0 <" + M + "." + incr(m) + ".0-0"
		}
		return g[0]
	})
}

// hyphenReplace: 1.2.3 - 2.3.4 => >=1.2.3 <=2.3.4, 1.2 - 2.3 => >=1.2.0 <2.4.0-0.
// The operands are used as written, prefixes ("v", "=") included, as npm does.
func hyphenReplace(g []string) string {
	from, fM, fm, fp := g[1], g[2], g[3], g[4]
	to, tM, tm, tp, tpr := g[7], g[8], g[9], g[10], g[11]
	switch {
	case isX(fM):
		from = ""
	case isX(fm):
		from = ">=" + fM + ".0.0"
	case isX(fp):
		from = ">=" + fM + "." + fm + ".0"
	default:
		from = ">=" + from
	}
	switch {
	case isX(tM):
		to = ""
	case isX(tm):
		to = "<" + incr(tM) + ".0.0-0"
	case isX(tp):
		to = "<" + tM + "." + incr(tm) + ".0-0"
	case tpr != "":
		to = "<=" + tM + "." + tm + "." + tp + "-" + tpr
	default:
		to = "<=" + to
	}
	return strings.Trim(from+" "+to, " ")
}

// newComparator parses a primitive comparator such as ">=1.2.3-rc.1"; ""
// admits any version and yields a comparator with a nil version.
func newComparator(s string) (comparator, error) {
	g := comparatorRe.FindStringSubmatch(s)
	if g == nil {
		return comparator{}, fmt.Errorf("invalid comparator %q", s)
	}
	c := comparator{op: g[1]}
	if c.op == "=" {
		c.op = ""
	}
	if g[2] == "" {
		return c, nil
	}
	var n [3]uint64
	for i := range n {
		x, err := strconv.ParseUint(g[3+i], 10, 64)
		if err != nil || x > maxSafeInteger {
			return comparator{}, fmt.Errorf("invalid comparator %q: number too large", s)
		}
		n[i] = x
	}
	c.v = semver.New(n[0], n[1], n[2], g[6], "")
	return c, nil
}

// isX reports whether a version part is missing or a wildcard.
func isX(id string) bool { return id == "" || id == "x" || id == "X" || id == "*" }

// incr is npm's `+n + 1` on a version number. Numbers beyond 2^53-1 are
// left alone: like npm's imprecise result they make the comparator invalid.
func incr(s string) string {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > maxSafeInteger {
		return s
	}
	return strconv.FormatUint(n+1, 10)
}

// collapseSpace is npm's `s.trim().replace(/\s+/g, " ")`, with JavaScript's
// notion of whitespace, after which every regular expression above only ever
// sees single ASCII spaces.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, isJSSpace), " ")
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// mapWords applies f to each whitespace-separated word of s, like npm's
// s.split(/\s+/).map(f).join(" ").
func mapWords(s string, f func(string) string) string {
	words := spacesRe.Split(s, -1)
	for i, w := range words {
		words[i] = f(w)
	}
	return strings.Join(words, " ")
}

// replaceFirst is JavaScript's s.replace(re, f) for a non-global re: the
// first match is replaced by f(submatches), unmatched groups being "".
func replaceFirst(re *regexp.Regexp, s string, f func(g []string) string) string {
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil {
		return s
	}
	g := make([]string, len(loc)/2)
	for i := range g {
		if loc[2*i] >= 0 {
			g[i] = s[loc[2*i]:loc[2*i+1]]
		}
	}
	return s[:loc[0]] + f(g) + s[loc[1]:]
}
