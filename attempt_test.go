package legion

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// attempts collects what WithAttemptHook reports.
type attempts struct {
	mu  sync.Mutex
	got []Attempt
}

func (a *attempts) option() Option {
	return WithAttemptHook(func(ctx context.Context, at Attempt) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.got = append(a.got, at)
	})
}

func TestAttemptHook(t *testing.T) {
	t.Parallel()
	var ws waits
	var as attempts
	c, srv := setup(t, ws.option(), as.option())
	n := 0
	srv.handle("/stats", func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		if n == 1 {
			reply(w, 503, `{"success":false,"error":"busy"}`)
			return
		}
		reply(w, 200, `{"success":true,"users":1}`)
	})
	if _, err := c.Stats(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(as.got) != 2 {
		t.Fatalf("hook saw %d attempts, want 2: %+v", len(as.got), as.got)
	}
	first, second := as.got[0], as.got[1]
	if first.Number != 1 || first.StatusCode != 503 || first.RequestID != "req-1" || first.RetryIn <= 0 || first.Method != "GET" || !strings.HasSuffix(first.URL, "/api/v1/stats") {
		t.Errorf("first attempt = %+v", first)
	}
	if w := ws.get(); len(w) != 1 || w[0] != first.RetryIn {
		t.Errorf("RetryIn %v, but the client waited %v", first.RetryIn, w)
	}
	if second.Number != 2 || second.StatusCode != 200 || second.RequestID != "req-2" || second.RetryIn != 0 || second.Err != nil {
		t.Errorf("second attempt = %+v", second)
	}
	if second.Header.Get("X-Request-Id") != "req-2" || second.Duration <= 0 {
		t.Errorf("second attempt header %v, duration %v", second.Header, second.Duration)
	}
	if s := fmt.Sprintf("%+v %#v", as.got, as.got); strings.Contains(s, testToken) {
		t.Errorf("an attempt holds the token: %s", s)
	}
}

// A transport error is an attempt too, with Err and no status; the last
// attempt of a call has no RetryIn even when the policy would retry.
func TestAttemptHookTransportErrorAndLastAttempt(t *testing.T) {
	t.Parallel()
	var ws waits
	var as attempts
	c, srv := setup(t, ws.option(), as.option(), WithMaxAttempts(2))
	srv.handle("/stats", resetFirst(10, `{"success":true,"users":1}`))
	if _, err := c.Stats(context.Background()); err == nil {
		t.Fatal("Stats succeeded on reset connections")
	}
	if len(as.got) != 2 {
		t.Fatalf("hook saw %d attempts, want 2", len(as.got))
	}
	for i, a := range as.got {
		if a.Err == nil || a.StatusCode != 0 || a.Header != nil {
			t.Errorf("attempt %d = %+v, want a transport error", i+1, a)
		}
	}
	if as.got[0].RetryIn <= 0 || as.got[1].RetryIn != 0 {
		t.Errorf("RetryIn = %v, %v; want >0 then 0", as.got[0].RetryIn, as.got[1].RetryIn)
	}
}

// recordHandler keeps slog records with the value of a context key, to show
// that the client logs through the call's context.
type recordHandler struct {
	mu   *sync.Mutex
	recs *[]string
}

type traceKey struct{}

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.recs = append(*h.recs, fmt.Sprintf("%s %s trace=%v", r.Level, r.Message, ctx.Value(traceKey{})))
	return nil
}
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordHandler) WithGroup(string) slog.Handler      { return h }

func TestLoggerLevelsAndContext(t *testing.T) {
	t.Parallel()
	var ws waits
	var mu sync.Mutex
	var recs []string
	c, srv := setup(t, ws.option(), WithLogger(slog.New(recordHandler{&mu, &recs})))
	srv.handle("/stats", failFirst(1, 503, nil, `{"success":true,"users":1}`))
	srv.handle("/users/nobody", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"success":false,"error":"User not found"}`)
	})
	ctx := context.WithValue(context.Background(), traceKey{}, "t1")
	if _, err := c.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	want := []string{
		"DEBUG legion: attempt trace=t1",
		"INFO legion: retrying trace=t1",
		"DEBUG legion: attempt trace=t1",
		"DEBUG legion: attempt trace=t1",
		"WARN legion: request failed trace=t1",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(recs, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(recs, "\n"), strings.Join(want, "\n"))
	}
}

// A DELETE whose answer was lost and whose retry finds nothing: the first
// attempt revoked the token, so RevokeToken succeeds. Without a lost answer
// a 404 is still ErrNotFound.
func TestRevokeTokenLostAnswer(t *testing.T) {
	t.Parallel()
	var ws waits
	c, srv := setup(t, ws.option())
	lost := resetFirst(1, "")
	srv.handle("/tokens/abcd1234", func(w http.ResponseWriter, r *http.Request) {
		if srv.count("/tokens/abcd1234") == 1 {
			lost(w, r) // revoked, but the answer never arrives
			return
		}
		reply(w, 404, `{"success":false,"error":"Token not found"}`)
	})
	if err := c.RevokeToken(context.Background(), "abcd1234"); err != nil {
		t.Fatalf("RevokeToken after a lost answer: %v", err)
	}
	if n := srv.count("/tokens/abcd1234"); n != 2 {
		t.Errorf("sent %d requests, want 2", n)
	}
	srv.handle("/tokens/ffff0000", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"success":false,"error":"Token not found"}`)
	})
	if err := c.RevokeToken(context.Background(), "ffff0000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("plain 404: err = %v, want ErrNotFound", err)
	}
	// A failure to connect reached nothing: the 404 that follows is real.
	ct := &countingTransport{failDials: 1}
	d, err := c.With(WithHTTPClient(&http.Client{Transport: ct}))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RevokeToken(context.Background(), "ffff0000"); !errors.Is(err, ErrNotFound) || ct.calls != 2 {
		t.Errorf("404 after a dial error: err = %v after %d calls, want ErrNotFound after 2", err, ct.calls)
	}
}
