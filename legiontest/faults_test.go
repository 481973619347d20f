package legiontest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func statuses(rs []legiontest.RecordedRequest) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}

// The server's clients wait on the registry's ManualClock: the Retry-After
// passes for the registry, and in no real time.
func TestFault429ThenSuccess(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t)
	if _, err := srv.AddUser("alice", "alice@example.com", "alice-password"); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddPackage(legiontest.SeedPackage{Name: "lib", Owner: "alice", Versions: []legiontest.SeedVersion{{Version: "1.0.0"}}}); err != nil {
		t.Fatal(err)
	}
	srv.AddFault(legiontest.Fault{
		Method: "GET", Path: "/packages/*", Times: 1, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"7"}},
	})
	srv.ResetRequests()
	before := clock.Now()
	start := time.Now()
	p, err := srv.Client().GetPackage(ctx(), "lib")
	if err != nil {
		t.Fatalf("GetPackage after one 429: %v", err)
	}
	if moved := clock.Now().Sub(before); moved != 7*time.Second {
		t.Errorf("the registry's clock moved %v during the call, want the 7s of Retry-After", moved)
	}
	if real := time.Since(start); real > 5*time.Second {
		t.Errorf("the wait took %v of real time", real)
	}
	if p.Downloads != 1 {
		t.Errorf("downloads = %d: the faulted attempt must not count", p.Downloads)
	}
	if diff := cmp.Diff([]int{429, 200}, statuses(srv.Requests())); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestFault500OnPublishNotRetried(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	remove := srv.AddFault(legiontest.Fault{Method: "POST", Path: "/packages/publish", Status: 500})
	srv.ResetRequests()
	c := srv.Client(legion.WithToken(tok), legion.WithRetryWait(time.Millisecond, 10*time.Millisecond))
	_, err := c.Publish(ctx(), legion.PublishRequest{Name: "lib", Version: "2.0.0"})
	if !errors.Is(err, legion.ErrServer) {
		t.Fatalf("Publish under a 500 fault: %v", err)
	}
	var e *legion.Error
	if errors.As(err, &e) && e.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", e.Attempts)
	}
	if diff := cmp.Diff([]int{500}, statuses(srv.Requests())); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if len(srv.Versions("lib")) != 1 {
		t.Errorf("the faulted publish reached the registry")
	}
	// GETs are retried through the same fault only if it matches: it does not.
	if _, err := c.ListVersions(ctx(), "lib"); err != nil {
		t.Errorf("unmatched GET: %v", err)
	}
	remove()
	remove() // harmless
	publish(t, c, legion.PublishRequest{Name: "lib", Version: "2.0.0"})
}

func TestFaultLatencyCancelledByClient(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	remove := srv.AddFault(legiontest.Fault{Path: "/packages/lib", Latency: time.Minute})
	c := srv.Client()
	cctx, cancel := context.WithTimeout(ctx(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetPackage(cctx, "lib")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	remove()
	// The handler gives up on its own when the client goes; the answer is
	// recorded as 499 and no download is counted.
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs := srv.Requests()
		if n := len(rs); n > 0 && rs[n-1].Status == 499 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 499 recorded: %v", statuses(rs))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Downloads("lib") != 0 {
		t.Errorf("a cancelled request counted a download")
	}
	if _, err := c.GetPackage(ctx(), "lib"); err != nil {
		t.Errorf("after removing the fault: %v", err)
	}
}

func TestFaultLatencyThenNormal(t *testing.T) {
	t.Parallel()
	srv, _ := rawServer(t)
	srv.AddFault(legiontest.Fault{Path: "/packages/*", Times: 1, Latency: 50 * time.Millisecond,
		Header: http.Header{"x-extra": {"yes"}}})
	start := time.Now()
	r := do(t, srv, "GET", "/packages/lib", "").want(t, 200, "")
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("no latency")
	}
	if r.Header.Get("X-Extra") != "yes" {
		t.Errorf("fault header not added to the real answer: %v", r.Header)
	}
	if srv.Downloads("lib") != 1 {
		t.Errorf("the delayed request was not served")
	}
	r = do(t, srv, "GET", "/packages/lib", "").want(t, 200, "")
	if r.Header.Get("X-Extra") != "" {
		t.Errorf("Times: 1 fault fired twice")
	}
}

func TestFaultMatchingAndBodies(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	c := srv.Client(legion.WithToken(tok), legion.WithMaxAttempts(1))

	// Times counts down, then the fault is gone.
	srv.AddFault(legiontest.Fault{Method: "get", Path: "/stats", Times: 2, Status: 503})
	for i := range 3 {
		_, err := c.Stats(ctx())
		if (i < 2) != errors.Is(err, legion.ErrServer) {
			t.Errorf("stats #%d: %v", i, err)
		}
	}
	// Method filter: a POST fault leaves GETs alone.
	srv.AddFault(legiontest.Fault{Method: "POST", Status: 502, Times: 1})
	if _, err := c.Me(ctx()); err != nil {
		t.Errorf("GET under a POST fault: %v", err)
	}
	_, err := c.Audit(ctx(), map[string]string{"lib": "*"})
	wantStatus(t, err, 502, "injected fault")

	// A proxy's HTML page: the SDK reports an excerpt.
	srv.AddFault(legiontest.Fault{Path: "/users/*", Times: 1, Status: 502,
		Header: http.Header{"Content-Type": {"text/html"}}, Body: "<html><body>Bad gateway</body></html>"})
	_, err = c.GetUser(ctx(), "alice")
	wantStatus(t, err, 502, "Bad gateway")

	// The escaped path and the unescaped one both match.
	srv.AddFault(legiontest.Fault{Path: "/packages/a%2Fb", Times: 1, Status: 418})
	do(t, srv, "GET", "/packages/a%2Fb", "").want(t, 418, "injected fault")
	srv.AddFault(legiontest.Fault{Path: "/packages/a/b", Times: 1, Status: 418})
	do(t, srv, "GET", "/packages/a%2Fb", "").want(t, 418, "injected fault")

	// First added, first matched; a 2xx fault answers success.
	r1 := srv.AddFault(legiontest.Fault{Path: "/search", Status: 200})
	srv.AddFault(legiontest.Fault{Path: "/search", Status: 500})
	do(t, srv, "GET", "/search?q=x", "").want(t, 200, "")
	r1()
	do(t, srv, "GET", "/search?q=x", "").want(t, 500, "injected fault")

	for _, bad := range []legiontest.Fault{{Status: 99}, {Status: 600}, {Times: -1}, {Path: "[", Status: 500}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddFault(%+v) did not panic", bad)
				}
			}()
			srv.AddFault(bad)
		}()
	}
}

func TestRateLimitWithManualClock(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t, legiontest.WithRateLimit(2, time.Minute, legiontest.ByToken))
	aliceTok, err := srv.AddUser("alice", "alice@example.com", "alice-password") // not HTTP: not counted
	if err != nil {
		t.Fatal(err)
	}
	alice := srv.Client(legion.WithToken(aliceTok))
	bob := addUser(t, srv, "bob")

	for i := range 2 {
		if _, err := alice.Me(ctx()); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	clock.Advance(15 * time.Second)
	// The SDK's longest wait is 10s: a 45s Retry-After ends the call at once.
	_, err = alice.Me(ctx())
	if !errors.Is(err, legion.ErrRateLimited) {
		t.Fatalf("third request: %v", err)
	}
	var e *legion.Error
	if !errors.As(err, &e) || e.RetryAfter != 45*time.Second {
		t.Errorf("RetryAfter = %v, want 45s", e.RetryAfter)
	}
	// Another token has its own budget.
	if _, err := bob.Me(ctx()); err != nil {
		t.Errorf("bob: %v", err)
	}
	// Half a second left: Retry-After rounds up to 1.
	clock.Advance(44*time.Second + 500*time.Millisecond)
	r := do(t, srv, "GET", "/auth/me", "", "Authorization", "Bearer "+aliceTok).want(t, 429, "rate limit")
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	clock.Advance(500 * time.Millisecond)
	if _, err := alice.Me(ctx()); err != nil {
		t.Errorf("after the window: %v", err)
	}

	srv.SetRateLimit(1, time.Minute, legiontest.ByAddress)
	if _, err := srv.Client().Stats(ctx()); err != nil {
		t.Fatal(err)
	}
	// By address, a token does not buy a separate budget.
	clock.Advance(30 * time.Second)
	_, err = alice.Stats(ctx())
	if !errors.As(err, &e) || e.StatusCode != 429 || e.RetryAfter != 30*time.Second {
		t.Errorf("alice by address: %v", err)
	}
	clock.Advance(30 * time.Second)
	if _, err := alice.Stats(ctx()); err != nil {
		t.Errorf("new window: %v", err)
	}
	// A clock set backwards opens a new window rather than waiting.
	clock.Set(t0)
	if _, err := bob.Stats(ctx()); err != nil {
		t.Errorf("clock set back: %v", err)
	}
	srv.SetRateLimit(0, 0, legiontest.ByAddress)
	for range 5 {
		if _, err := alice.Stats(ctx()); err != nil {
			t.Fatalf("limiter off: %v", err)
		}
	}
}

func TestRateLimitRetryAfterFromClock(t *testing.T) {
	t.Parallel()
	srv, clock := newServer(t, legiontest.WithRateLimit(3, 10*time.Second, legiontest.ByToken))
	tok, err := srv.AddUser("alice", "alice@example.com", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok}
	for range 3 {
		do(t, srv, "GET", "/auth/me", "", auth...).want(t, 200, "")
	}
	for _, tc := range []struct {
		advance time.Duration
		want    string
	}{{0, "10"}, {3 * time.Second, "7"}, {6*time.Second + time.Millisecond, "1"}} {
		clock.Advance(tc.advance)
		r := do(t, srv, "GET", "/auth/me", "", auth...).want(t, 429, "rate limit")
		if got := r.Header.Get("Retry-After"); got != tc.want {
			t.Errorf("Retry-After = %q, want %q", got, tc.want)
		}
	}
	clock.Advance(time.Second)
	do(t, srv, "GET", "/auth/me", "", auth...).want(t, 200, "")
	// Anonymous requests are counted by address under ByToken.
	for range 3 {
		do(t, srv, "GET", "/stats", "").want(t, 200, "")
	}
	do(t, srv, "GET", "/stats", "").want(t, 429, "rate limit")
	// So are requests with a token that is not valid: junk tokens do not
	// buy fresh budgets.
	do(t, srv, "GET", "/stats", "", "Authorization", "Bearer lgn_junk").want(t, 429, "rate limit")
	// Rate-limited requests are recorded, authenticated or not.
	rs := srv.Requests()
	if last := rs[len(rs)-1]; last.Status != 429 || last.Authenticated {
		t.Errorf("last record = %+v", last)
	}
}

func TestRequestRecordHasNoSecrets(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	anon := srv.Client()
	const pw = "correct-horse-battery"
	s, err := anon.Signup(ctx(), legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret(pw)})
	if err != nil {
		t.Fatal(err)
	}
	tok := s.Token.Reveal()
	if _, err := anon.Login(ctx(), legion.LoginRequest{Username: "alice", Password: legion.NewSecret(pw)}); err != nil {
		t.Fatal(err)
	}
	c := srv.Client(legion.WithToken(tok))
	if _, err := c.Me(ctx()); err != nil {
		t.Fatal(err)
	}
	// Secrets in odd places: a query, a nested field, a differently cased
	// key, a body that is not JSON.
	do(t, srv, "GET", "/search?q="+tok+"&Password="+pw, "")
	do(t, srv, "POST", "/auth/login", `{"user":{"PassWord":"`+pw+`"},"note":"`+tok+`"}`)
	do(t, srv, "POST", "/auth/login", `{"username":"alice","password":"`+pw+`"`)

	rs := srv.Requests()
	if len(rs) != 6 {
		t.Fatalf("%d requests recorded", len(rs))
	}
	for _, r := range rs {
		all := r.Method + r.Path + r.Query + string(r.Body)
		if strings.Contains(all, pw) || strings.Contains(all, tok) || strings.Contains(all, tok[4:]) {
			t.Errorf("record carries a secret: %+v %s", r, r.Body)
		}
	}
	if !strings.Contains(string(rs[0].Body), `"password":"[redacted]"`) || !strings.Contains(string(rs[0].Body), `"username":"alice"`) {
		t.Errorf("signup body recorded as %s", rs[0].Body)
	}
	if rs[0].Authenticated || !rs[2].Authenticated || rs[2].Path != "/auth/me" || rs[3].Query != "Password=%5Bredacted%5D&q=lgn_[redacted]" {
		t.Errorf("records = %+v", rs[:4])
	}
	if diff := cmp.Diff([]int{201, 200, 200, 200, 400, 400}, statuses(rs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	// Requests returns copies.
	rs[0].Body[0] = 'X'
	if srv.Requests()[0].Body[0] == 'X' {
		t.Errorf("Requests exposes internal state")
	}
	srv.ResetRequests()
	if len(srv.Requests()) != 0 {
		t.Errorf("ResetRequests kept records")
	}
}
