package legion

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	// go-spew (test-only) is what testify prints failures with, and a
	// common way to dump a value: the printer that walks every field.
	"github.com/davecgh/go-spew/spew"
	"github.com/google/go-cmp/cmp"
)

// noSecret fails when text carries the test token or password.
func noSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range []string{"TESTtoken", "hunter2xx", "lgn_other", "SECRET"} {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%s", what, s, text)
		}
	}
}

// Printers and encoders that walk values by reflection reach no secret:
// not in a Secret, not in a Client (whose token and rate-limit memory they
// walk), not in a struct whose Secret field is unexported.
func TestSecretAgainstReflection(t *testing.T) {
	t.Parallel()
	// A client that has sent nothing: spew walks the connection pool too,
	// and a live pool's goroutines would race with it. Its rate-limit
	// memory holds a wait, as after a 429.
	c, err := NewClient(WithBaseURL("https://registry.example/api/v1"), WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	c.limits().hold(c.limitKey, time.Now(), time.Hour, 10*time.Second)

	created := CreatedToken{Token: Token{ID: "abcdefgh", Name: "ci"}, Value: NewSecret(testToken)}
	session := Session{Token: NewSecret(testToken), User: User{Username: "alice"}}
	type userCreds struct {
		name   string
		secret Secret // unexported: fmt cannot call its methods
	}
	creds := userCreds{"alice", NewSecret("hunter2xx")}

	var gobBuf bytes.Buffer
	if err := gob.NewEncoder(&gobBuf).Encode(created); err != nil {
		t.Fatalf("gob: %v", err)
	}
	noSecret(t, "gob of CreatedToken", gobBuf.String())
	var back CreatedToken
	if err := gob.NewDecoder(&gobBuf).Decode(&back); err != nil || back.ID != "abcdefgh" {
		t.Errorf("gob round trip = %+v, %v", back, err)
	}

	other := created
	other.Value = NewSecret("lgn_otherSECRET")
	noSecret(t, "cmp.Diff", cmp.Diff(created, other))
	if d := cmp.Diff(created, CreatedToken{Token: created.Token, Value: NewSecret(testToken)}); d != "" {
		t.Errorf("cmp.Diff of equal tokens = %s", d)
	}
	if cmp.Equal(created, other) {
		t.Error("cmp.Equal says different secrets are equal")
	}

	testifyLike := spew.ConfigState{Indent: " ", DisablePointerAddresses: true, DisableCapacities: true, SortKeys: true, DisableMethods: true}
	for name, v := range map[string]any{"Client": c, "*Client": *c, "Session": session, "CreatedToken": created, "creds": creds} {
		noSecret(t, "spew of "+name, spew.Sdump(v))
		noSecret(t, "spew (methods off) of "+name, testifyLike.Sdump(v))
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			noSecret(t, verb+" of "+name, fmt.Sprintf(verb, v))
		}
	}
	if creds.secret.Reveal() != "hunter2xx" || session.Token.Reveal() != testToken {
		t.Error("Reveal lost the value")
	}
}

// Every lgn_ token is redacted whatever characters follow.
func TestRedactTokensAnyCharacters(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"lgn_PUBLIC.SECRET+/x=", `"lgn_a\"SECRET"`, "x=lgn_ab%2FSECRET&y", "lgn_ab~SECRET", "lgn_ab:SECRET"} {
		noSecret(t, "redactTokens("+in+")", redactTokens(in))
	}
}

// A token echoed into a header line the transport cannot parse reaches no
// error, Warn record or Attempt.Err; and Attempt.Header carries neither
// cookies nor a token in a Location.
func TestTransportErrorsAndHeadersScrubbed(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var as attempts
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, WithLogger(logger), as.option(), WithMaxAttempts(2))
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
	srv.handle("/auth/me", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "hunter2xx"})
		w.Header().Set("Location", "https://evil.example/?t="+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		w.WriteHeader(302)
	})
	_, err := c.Stats(context.Background())
	if err == nil {
		t.Fatal("Stats succeeded on a malformed answer")
	}
	noSecret(t, "the error", err.Error())
	_, err = c.Me(context.Background())
	noSecret(t, "the redirect error", err.Error())
	noSecret(t, "the log", logs.String())
	if len(as.got) < 2 {
		t.Fatalf("hook saw %d attempts", len(as.got))
	}
	for _, a := range as.got {
		noSecret(t, "Attempt", fmt.Sprintf("%v %+v", a.Err, a))
		if a.Header.Get("Set-Cookie") != "" {
			t.Errorf("Attempt.Header carries Set-Cookie: %v", a.Header)
		}
	}
	if !strings.Contains(logs.String(), "legion: request failed") {
		t.Errorf("no Warn record:\n%s", logs.String())
	}
}
