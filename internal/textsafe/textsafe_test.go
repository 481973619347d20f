package textsafe

import "testing"

func TestText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text, ünïcode ✓\tand\nlines": "plain text, ünïcode ✓\tand\nlines",
		"a\x1b[2Jb":                         `a\x1b[2Jb`,
		"a\x1b]0;t\x07b":                    `a\x1b]0;t\x07b`,
		"crlf\r\nline\rover":                `crlf` + "\n" + `line\x0dover`,
		"c1\u009bx\u0085":                   `c1\x9bx\x85`,
		"raw\x9bbyte":                       `raw\x9bbyte`,
		"del\x7f":                           `del\x7f`,
		"bidi\u202e\u2066\u200f":            `bidi\u202e\u2066\u200f`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text, ünïcode ✓ 日本": "plain text, ünïcode ✓ 日本",
		"a\tb\r\nc\nd":             `a\x09b\x0d\x0ac\x0ad`,
		"a\x1b[2Jb\u202e":          `a\x1b[2Jb\u202e`,
		"bad\xffbyte":              `bad\xffbyte`,
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}
