package releasebot_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/examples/testing/releasebot"
	"github.com/legion-registry/legion-go/legiontest"
)

// Tokens the fixture fixes, so the test knows them: lgn_ and 32 letters or
// digits, the last 8 (the short id) unique in the registry.
const botToken = "lgn_ReleaseBot00000000000000CIdeploy"

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fixture is a registry where the bot's user owns legion-widget 1.0.0.
// The manual clock makes every timestamp predictable.
func fixture(t *testing.T, opts ...legiontest.Option) (*legiontest.Server, *legiontest.ManualClock) {
	t.Helper()
	clock := legiontest.NewManualClock(start)
	seed := legiontest.Seed{
		Users: []legiontest.SeedUser{{
			Username: "release-bot", Email: "bot@example.com", Password: "not-used-here",
			Tokens: []legiontest.SeedToken{
				{Name: "ci", Value: botToken},
				{Name: "read-only", Value: "lgn_ReleaseBot00000000000000ReadOnly", Scopes: []legion.Scope{legion.ScopeRead}},
			},
		}},
		Packages: []legiontest.SeedPackage{{
			Name: "legion-widget", Owner: "release-bot", License: "MIT",
			Versions: []legiontest.SeedVersion{{Version: "1.0.0", PublishedAt: start.Add(-24 * time.Hour)}},
		}},
	}
	srv := legiontest.NewServer(t, append([]legiontest.Option{legiontest.WithClock(clock), legiontest.WithSeed(seed)}, opts...)...)
	return srv, clock
}

// bot is the client the bot would build, with quick retries for the test.
func bot(srv *legiontest.Server, token string) *legion.Client {
	return srv.Client(legion.WithToken(token), legion.WithRetryWait(time.Millisecond, 10*time.Millisecond))
}

// calls summarises the request record as "METHOD path status" lines.
func calls(srv *legiontest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path+" "+http.StatusText(r.Status))
	}
	return out
}

func wantCalls(t *testing.T, srv *legiontest.Server, want ...string) {
	t.Helper()
	if got := calls(srv); !slices.Equal(got, want) {
		t.Fatalf("requests:\n got  %q\n want %q", got, want)
	}
}

func TestPublishesANewVersion(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "1.1.0", License: "MIT"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != releasebot.Published || rep.Version != "1.1.0" || !rep.PublishedAt.Equal(start) {
		t.Fatalf("report: %+v", rep)
	}
	wantCalls(t, srv,
		"GET /packages/legion-widget/versions OK",
		"POST /packages/publish Created",
	)
	if r := srv.Requests()[1]; !r.Authenticated {
		t.Error("the publish was not authenticated")
	}
	// Inspect the result without HTTP (and without counting a download).
	if vs := srv.Versions("legion-widget"); len(vs) != 2 || vs[1].Version.String() != "1.1.0" {
		t.Fatalf("versions now: %v", vs)
	}
	if srv.Downloads("legion-widget") != 0 {
		t.Error("the bot counted a download")
	}
}

func TestSkipsAPublishedVersion(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Action != releasebot.AlreadyPublished || !rep.PublishedAt.Equal(start.Add(-24*time.Hour)) {
		t.Fatalf("report: %+v", rep)
	}
	wantCalls(t, srv, "GET /packages/legion-widget/versions OK") // no publish at all
}

func TestPublishesANewPackage(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-gadget", Version: "0.1.0"})
	if err != nil || rep.Action != releasebot.Published {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	wantCalls(t, srv,
		"GET /packages/legion-gadget/versions Not Found",
		"POST /packages/publish Created",
	)
}

// A read that fails with 503 is retried by the SDK; the bot never notices.
func TestRetriesAFailingCheck(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	srv.AddFault(legiontest.Fault{Method: "GET", Path: "/packages/*/versions", Status: http.StatusServiceUnavailable, Times: 2})
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"})
	if err != nil || rep.Action != releasebot.Published {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	wantCalls(t, srv,
		"GET /packages/legion-widget/versions Service Unavailable",
		"GET /packages/legion-widget/versions Service Unavailable",
		"GET /packages/legion-widget/versions OK",
		"POST /packages/publish Created",
	)
}

// A publish that fails with a 5xx is never re-sent (the registry may have
// published it before failing): the bot reports the error, and the next run
// finishes the job.
func TestNeverResendsAPublish(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	srv.AddFault(legiontest.Fault{Method: "POST", Path: "/packages/publish", Status: http.StatusBadGateway, Times: 1})
	c := bot(srv, botToken)
	req := legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"}

	_, err := releasebot.Release(context.Background(), c, req)
	var le *legion.Error
	if !errors.Is(err, legion.ErrServer) || !errors.As(err, &le) || le.StatusCode != 502 || le.Attempts != 1 {
		t.Fatalf("err = %v, want a 502 after one attempt", err)
	}
	wantCalls(t, srv,
		"GET /packages/legion-widget/versions OK",
		"POST /packages/publish Bad Gateway",
	)
	if len(srv.Versions("legion-widget")) != 1 {
		t.Fatal("the failed publish published something")
	}

	srv.ResetRequests()
	rep, err := releasebot.Release(context.Background(), c, req)
	if err != nil || rep.Action != releasebot.Published {
		t.Fatalf("the rerun: %+v, %v", rep, err)
	}
}

// Another bot publishes the version between our check and our publish: the
// registry answers 409, which is success for an idempotent release.
func TestLosesTheRaceGracefully(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	srv.AddFault(legiontest.Fault{Method: "POST", Path: "/packages/publish", Status: http.StatusConflict, Times: 1})
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"})
	if err != nil || rep.Action != releasebot.AlreadyPublished {
		t.Fatalf("report %+v, err %v", rep, err)
	}
}

// The registry's rate limiter answers 429 with Retry-After; the SDK waits
// and retries, even for a publish.
func TestWaitsOutTheRateLimit(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	srv.AddFault(legiontest.Fault{
		Method: "POST", Path: "/packages/publish", Status: http.StatusTooManyRequests, Times: 1,
		Header: http.Header{"Retry-After": {"0"}},
	})
	rep, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"})
	if err != nil || rep.Action != releasebot.Published {
		t.Fatalf("report %+v, err %v", rep, err)
	}
	wantCalls(t, srv,
		"GET /packages/legion-widget/versions OK",
		"POST /packages/publish Too Many Requests",
		"POST /packages/publish Created",
	)
}

// When the wait asked for is longer than the SDK may wait, the bot gets
// ErrRateLimited at once, with the wait in RetryAfter, for the pipeline to
// schedule a retry.
func TestGivesUpOnALongRateLimit(t *testing.T) {
	t.Parallel()
	srv, clock := fixture(t, legiontest.WithRateLimit(1, time.Hour, legiontest.ByToken))
	c := bot(srv, botToken)
	req := legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"}
	_, err := releasebot.Release(context.Background(), c, req) // the check uses the one request
	var le *legion.Error
	if !errors.Is(err, legion.ErrRateLimited) || !errors.As(err, &le) || le.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want ErrRateLimited with RetryAfter 1h", err)
	}
	// An hour later the pipeline runs again (the release needs two requests,
	// so lift the limit rather than wait for one that allows only one).
	clock.Advance(time.Hour)
	srv.SetRateLimit(0, 0, legiontest.ByToken)
	if rep, err := releasebot.Release(context.Background(), c, req); err != nil || rep.Action != releasebot.Published {
		t.Fatalf("after the window: %+v, %v", rep, err)
	}
}

func TestReadOnlyTokenIsForbidden(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	_, err := releasebot.Release(context.Background(), bot(srv, "lgn_ReleaseBot00000000000000ReadOnly"), legion.PublishRequest{Name: "legion-widget", Version: "1.1.0"})
	if !errors.Is(err, legion.ErrForbidden) {
		t.Fatalf("err = %v, want ErrForbidden", err)
	}
}

func TestRejectsABadVersionBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv, _ := fixture(t)
	if _, err := releasebot.Release(context.Background(), bot(srv, botToken), legion.PublishRequest{Name: "legion-widget", Version: "v1"}); err == nil {
		t.Fatal("no error for version v1")
	}
	wantCalls(t, srv)
}
