package legion

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The bearer token appears in no error string, log record or formatted value.
func TestTokenNeverLeaks(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, WithLogger(logger), WithMaxAttempts(2))
	// A careless server that echoes credentials back in every answer.
	echo := func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, `{"success":false,"error":"bad token `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}`)
	}
	srv.handle("/auth/me", echo)
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 503, "<html>upstream said "+r.Header.Get("Authorization")+"</html>")
	})
	srv.handle("/tokens", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 201, `{"success":true,"token":"`+testToken+`","id":"x","name":"ci","scopes":["read"]}`)
	})
	srv.handle("/auth/login", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"token":"`+testToken+`","user":{"username":"alice"}}`)
	})
	ctx := context.Background()
	var texts []string
	_, err := c.Me(ctx)
	texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	_, err = c.Stats(ctx)
	texts = append(texts, err.Error(), fmt.Sprintf("%#v", err))
	created, err := c.CreateToken(ctx, CreateTokenRequest{Name: "ci", Scopes: []Scope{ScopeRead}})
	if err != nil || created.Value.Reveal() != testToken {
		t.Fatalf("CreateToken = %v, %v", created, err)
	}
	session, err := c.Login(ctx, LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewClient(WithToken(testToken + "\n"))
	texts = append(texts, err.Error())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		texts = append(texts,
			fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, created), fmt.Sprintf(verb, session),
			fmt.Sprintf(verb, LoginRequest{Username: "alice", Password: NewSecret("hunter2xx")}))
	}
	logger.Info("values", "client", c, "session", session, "token", created.Value)
	texts = append(texts, logs.String())
	if !strings.Contains(logs.String(), "legion: retrying") {
		t.Errorf("the logger saw no retry; logs:\n%s", logs.String())
	}
	for _, text := range texts {
		if strings.Contains(text, testToken) || strings.Contains(text, "TESTtoken") || strings.Contains(text, "hunter2xx") {
			t.Errorf("a secret leaked: %s", text)
		}
	}
}

// A Secret decodes from JSON as itself and encodes as "[redacted]".
func TestSecretJSON(t *testing.T) {
	t.Parallel()
	var s Session
	if err := json.Unmarshal([]byte(`{"token":"lgn_abc"}`), &s); err != nil || s.Token.Reveal() != "lgn_abc" {
		t.Fatalf("Unmarshal = %v, %v", s, err)
	}
	b, err := json.Marshal(s)
	if err != nil || strings.Contains(string(b), "lgn_abc") {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}

// Deriving a client for another identity leaves the original unchanged.
func TestWithDerivesCopy(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	other := "lgn_OTHERtoken"
	srv.handle("/auth/me", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"success":true,"user":{"username":"`+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer lgn_")+`"}}`)
	})
	bot, err := c.With(WithToken(other), WithUserAgent("release-bot/1.0"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u1, err1 := c.Me(ctx)
	u2, err2 := bot.Me(ctx)
	if err1 != nil || err2 != nil || u1.Username != "TESTtoken0123456789abcdefABCDEF" || u2.Username != "OTHERtoken" {
		t.Errorf("Me = %v %v, %v %v", u1, err1, u2, err2)
	}
	if _, err := c.With(WithToken("nope")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("With(bad token) err = %v", err)
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, WithUserAgent("release-bot/2.1"))
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "User-Agent", "release-bot/2.1 legion-go/"+SDKVersion)
		reply(w, 200, `{"success":true,"users":1}`)
	})
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTimestampForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, in := range []string{`"2026-01-02T03:04:05Z"`, `"2026-01-02 03:04:05"`, `"2026-01-02T03:04:05"`, `1767323045`, `1767323045000`, `"2026-01-02T04:04:05+01:00"`} {
		var s stamp
		if err := s.UnmarshalJSON([]byte(in)); err != nil || !s.t.Equal(want) {
			t.Errorf("stamp(%s) = %v, %v; want %v", in, s.t, err, want)
		}
	}
	var s stamp
	if err := s.UnmarshalJSON([]byte(`null`)); err != nil || !s.t.IsZero() {
		t.Errorf("stamp(null) = %v, %v", s.t, err)
	}
}

// Text encoders (XML here; YAML and TOML use the same interface) print
// "[redacted]", never the value.
func TestSecretTextEncoders(t *testing.T) {
	t.Parallel()
	type creds struct {
		Token Secret `xml:"token" json:"token"`
	}
	b, err := xml.Marshal(creds{Token: NewSecret(testToken)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "TESTtoken") || !strings.Contains(string(b), "[redacted]") {
		t.Errorf("xml.Marshal = %s", b)
	}
	var tm encoding.TextMarshaler = NewSecret(testToken)
	if txt, _ := tm.MarshalText(); string(txt) != "[redacted]" {
		t.Errorf("MarshalText = %s", txt)
	}
}
