package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/legion-registry/legion-go/internal/textsafe"
	"golang.org/x/term"
)

// writeJSON prints v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// table writes aligned columns; call flush when done. Lines end without
// the padding that empty last cells would leave.
type table struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

// row writes one line; tabs and newlines inside cells are flattened so that
// a description from the registry cannot break the layout, and controls are
// made visible (termSafe) so that it cannot drive the terminal.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cellReplacer.Replace(textsafe.Text(c))
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

var cellReplacer = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ", "\v", " ", "\f", " ")

func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		nl := strings.HasSuffix(line, "\n")
		out.WriteString(strings.TrimRight(line, " \n"))
		if nl {
			out.WriteByte('\n')
		}
	}
	t.buf.Reset()
	_, err := t.w.Write(out.Bytes())
	return err
}

// truncate shortens s to n runes, ending in "…" when cut.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// isTerminal reports whether f (an *os.File, usually) is a terminal.
// Readers and writers that are not files (buffers in tests) are not.
func isTerminal(f any) bool {
	fd, ok := f.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(fd.Fd()))
}

// progress prints a self-overwriting status line on a terminal and nothing
// elsewhere.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	shown   bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, enabled: isTerminal(w)}
}

func (p *progress) update(format string, args ...any) {
	if !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\x1b[K"+format, args...)
	p.shown = true
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.enabled && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
