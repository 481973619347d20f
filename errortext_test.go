package legion

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestErrorTextIsPrintable: what a hostile registry puts in its message or
// request id cannot reach a terminal through err.Error(); Message keeps
// the text as sent.
func TestErrorTextIsPrintable(t *testing.T) {
	t.Parallel()
	c, ts := setup(t)
	msg := "boom\x1b]0;pwned\x07\x1b[2J\r\nline\u202egnp.exe"
	ts.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "id\u202eder")
		b, _ := json.Marshal(map[string]any{"success": false, "error": msg})
		reply(w, 400, string(b))
	})
	_, err := c.Stats(context.Background())
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	text := err.Error()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\n", "\u202e"} {
		if strings.Contains(text, bad) {
			t.Errorf("Error() carries %q: %q", bad, text)
		}
	}
	for _, want := range []string{`boom\x1b]0;pwned\x07\x1b[2J\x0d\x0aline\u202egnp.exe`, `[request id id\u202eder]`} {
		if !strings.Contains(text, want) {
			t.Errorf("Error() = %q, want it to contain %q", text, want)
		}
	}
	if !strings.HasPrefix(e.Message, "boom\x1b]0;pwned\x07") {
		t.Errorf("Message = %q, want the server's text as sent", e.Message)
	}
}
