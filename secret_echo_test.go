package legion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// A token echoed into a header line the transport cannot parse is
// redacted in every error of the chain, not only the outermost: a caller
// that unwraps to the *url.Error (or walks the chain, or hands it to a
// printer that walks it by reflection) prints no token either.
func TestTransportErrorChainScrubbed(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithMaxAttempts(1))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		_, _ = io.WriteString(buf, "HTTP/1.1 302 Found\r\nLocation: https://evil.example/?t="+tok+"\x01\r\nContent-Length: 0\r\n\r\n")
		_ = buf.Flush()
	})
	_, err := c.Stats(context.Background())
	if err == nil {
		t.Fatal("Stats succeeded on a malformed answer")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("err = %T %v, want a *url.Error in the chain", err, err)
	}
	noSecret(t, "the *url.Error", ue.Error())
	var walk func(error)
	walk = func(e error) {
		noSecret(t, fmt.Sprintf("%T in the chain", e), fmt.Sprintf("%v %+v", e, e))
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			if in := x.Unwrap(); in != nil {
				walk(in)
			}
		case interface{ Unwrap() []error }:
			for _, in := range x.Unwrap() {
				walk(in)
			}
		}
	}
	walk(err)
	noSecret(t, "the error as go-cmp prints it", cmp.Diff(nil, err, cmp.Exporter(func(reflect.Type) bool { return true })))
}

// A registry that repeats the password in its answer (a validation
// message, a malformed 2xx) does not put it into the error or the log.
func TestPasswordEchoedByServerNotRepeated(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, WithLogger(logger))
	srv.handle("/auth/login", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, `{"success":false,"error":"wrong password hunter2xx for alice"}`)
	})
	srv.handle("/auth/signup", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 201, `{"success":true,"token":"hello","password":"hunter2xx"}`)
	})
	_, err := c.Login(context.Background(), LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
	if err == nil {
		t.Fatal("Login succeeded on a 401")
	}
	noSecret(t, "the login error", err.Error())
	if !strings.Contains(err.Error(), "wrong password [redacted] for alice") {
		t.Errorf("the login error lost the server's message: %v", err)
	}
	_, err = c.Signup(context.Background(), SignupRequest{Username: "alice", Email: "a@example.com", Password: NewSecret("hunter2xx")})
	if err == nil {
		t.Fatal("Signup succeeded with a token that is not lgn_…")
	}
	noSecret(t, "the signup error", err.Error())
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("signup error %T is not an *Error", err)
	}
	noSecret(t, "Error fields", fmt.Sprintf("%+v", *e))
	noSecret(t, "the log", logs.String())
}
