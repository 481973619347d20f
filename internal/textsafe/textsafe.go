// Package textsafe makes text from a registry safe to show in a terminal:
// every character a terminal acts on rather than shows is replaced by a
// visible escape such as \x1b or \u202e. That covers the C0 controls (ESC
// starting an OSC "ESC ]0;…" that retitles the window or a CSI "ESC [2J"
// that clears it, BEL, backspace, a lone CR that lets later text overwrite
// earlier), DEL, the C1 controls and bytes that are not UTF-8 (a terminal
// may read 0x9b as CSI), and the bidirectional overrides, embeddings,
// isolates and marks, which reorder what is shown. The SDK's errors and
// the CLI's output share it, so that both escape the same way.
package textsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text is s for a terminal, lines kept: newline and tab are shown as they
// are, and a CRLF is read as a newline (descriptions, readmes).
func Text(s string) string { return escape(s, true) }

// Line is s for one line of a terminal (an error message): newlines and
// tabs are escaped too.
func Line(s string) string { return escape(s, false) }

func escape(s string, lines bool) string {
	if !needsEscape(s, lines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lines && r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
			// dropped: the newline follows
		case unsafe(r, lines):
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string, lines bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafe(r, lines) {
			return true
		}
		i += size
	}
	return false
}

// unsafe reports whether a terminal would act on r instead of showing it.
func unsafe(r rune, lines bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !lines
	case r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069,            // LRI, RLI, FSI, PDI
		r == 0x200e, r == 0x200f, r == 0x061c: // LRM, RLM, ALM
		return true
	}
	return false
}
