package legion

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// noSecretFold is noSecret ignoring case: a token upper-cased by a server,
// or lower-cased as a header name is, still gives most of it away.
func noSecretFold(t *testing.T, what, text string) {
	t.Helper()
	noSecret(t, what, text)
	if strings.Contains(strings.ToLower(text), strings.ToLower(testToken[4:])) {
		t.Errorf("%s leaks the token in another case:\n%s", what, text)
	}
}

// A hostile registry echoes the token everywhere it can put text: the
// request id, a header's name and value (upper-cased too), the status
// line's reason phrase. None of it reaches the error, a log record or an
// Attempt.
func TestTokenEchoedByServerNotRepeated(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var as attempts
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, WithLogger(logger), as.option(), WithMaxAttempts(2))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("X-Request-Id", tok)
		w.Header().Set("X-Echo", strings.ToUpper(tok))
		w.Header().Set("X-"+tok, "1")
		w.Header().Set("Retry-After", "0")
		reply(w, 503, `{"success":false,"error":"busy `+strings.ToUpper(tok)+`"}`)
	})
	srv.handle("/auth/me", func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = io.WriteString(buf, "HTTP/1.1 503 "+tok+"\r\nRetry-After: 0\r\nContent-Length: 2\r\n\r\n{}")
		_ = buf.Flush()
	})
	_, err := c.Stats(context.Background())
	if err == nil {
		t.Fatal("Stats succeeded on a 503")
	}
	noSecretFold(t, "the error", err.Error())
	_, err = c.Me(context.Background())
	if err == nil {
		t.Fatal("Me succeeded on a 503")
	}
	noSecretFold(t, "the error", err.Error())
	noSecretFold(t, "the log", logs.String())
	if len(as.got) != 4 {
		t.Fatalf("hook saw %d attempts, want 4", len(as.got))
	}
	for _, a := range as.got {
		noSecretFold(t, "Attempt", fmt.Sprintf("%+v", a))
	}
}
