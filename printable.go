package legion

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable returns the server's text with what a terminal would act on
// escaped as Go does in a quoted string: C0 and C1 controls (newlines
// too: an error is one line), DEL, bidirectional overrides and isolates,
// and bytes that are not UTF-8. An error's text is printed by programs
// that never expect escape sequences from a registry to retitle or clear
// their user's terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r) {
			q := strconv.QuoteRune(r)
			if r == utf8.RuneError && n == 1 {
				q = `'\x` + strconv.FormatUint(uint64(s[i]), 16) + `'`
			}
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r == utf8.RuneError, r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	}
	return !unicode.IsPrint(r) && !unicode.IsSpace(r)
}
