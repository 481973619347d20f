package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// TestPreferOfflineAsksWhenCachedListsAreTooOld: --prefer-offline uses
// cached version lists, but a range that only a version published since
// satisfies is asked of the registry (npm's --prefer-offline: missing data
// is requested), rather than failing as if no such version existed.
func TestPreferOfflineAsksWhenCachedListsAreTooOld(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cache := filepath.Join(t.TempDir(), "cache")
	first := newProject(t, fx)
	first.env = append(first.env, "LEGION_CACHE="+cache)
	first.ok("pkg", "init")
	first.ok("pkg", "install", "legion-core@^1.0.0") // caches legion-core's list: 1.0.0 … 2.0.0

	if _, err := fx.srv.Client(legion.WithToken(fx.aliceToken)).Publish(context.Background(),
		legion.PublishRequest{Name: "legion-core", Version: "1.5.0", License: "MIT"}); err != nil {
		t.Fatal(err)
	}
	p := newProject(t, fx)
	p.env = first.env
	p.write(manifestFile, `{"name":"app","dependencies":{"legion-core":"^1.5.0"}}`)
	fx.srv.ResetRequests()
	r := p.ok("pkg", "install", "--prefer-offline")
	if !strings.HasPrefix(r.stdout, "added 1 package in ") {
		t.Errorf("--prefer-offline with a stale list: %v", r)
	}
	if lock, _, _ := readLock(p.dir); lock == nil || lock.Packages["legion-core"].Version != "1.5.0" {
		t.Errorf("--prefer-offline locked %+v, want legion-core 1.5.0", lock)
	}
	if n := len(fx.srv.RequestsTo("GET", "/packages/legion-core/versions")); n != 1 {
		t.Errorf("--prefer-offline asked for legion-core's list %d times, want 1", n)
	}
	// The fresh list was stored: the next --prefer-offline asks nothing.
	q := newProject(t, fx)
	q.env = first.env
	q.write(manifestFile, p.read(manifestFile))
	fx.srv.ResetRequests()
	q.ok("pkg", "install", "--prefer-offline")
	if reqs := fx.srv.Requests(); len(reqs) != 0 {
		t.Errorf("--prefer-offline after the list was refreshed made %d requests, first %s", len(reqs), reqs[0].Path)
	}
}
