package legiontest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// failureTB records the failures a helper reports instead of failing.
type failureTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *failureTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// A bot's own traffic, recorded against the fake, replays: the same calls
// get the same answers, secrets never reach the files, and a request
// without a fixture fails the test.
func TestRecordAndReplay(t *testing.T) {
	t.Parallel()
	srv, tok := rawServer(t)
	dir := t.TempDir()
	rt, err := legiontest.Record(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	bot := func(c *legion.Client) []string {
		var out []string
		pv, err := c.Publish(ctx(), legion.PublishRequest{Name: "lib", Version: "1.1.0"})
		out = append(out, fmt.Sprint(pv != nil, err))
		_, err = c.Publish(ctx(), legion.PublishRequest{Name: "lib", Version: "1.1.0"})
		out = append(out, fmt.Sprint(err))
		vs, err := c.ListVersions(ctx(), "lib")
		out = append(out, fmt.Sprint(len(vs), err))
		ts, err := c.ListTokens(ctx())
		out = append(out, fmt.Sprint(len(ts), err))
		return out
	}
	want := bot(srv.Client(legion.WithToken(tok), legion.WithHTTPClient(&http.Client{Transport: rt})))

	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 4 || !strings.HasSuffix(files[1], "0002-POST-packages-publish-409.json") {
		t.Fatalf("fixture files: %v", files)
	}
	for _, name := range files {
		data, _ := os.ReadFile(name)
		if strings.Contains(string(data), tok) || strings.Contains(string(data), tok[4:]) {
			t.Fatalf("%s holds the token", name)
		}
	}

	replay := legiontest.NewReplayServer(t, dir)
	got := bot(replay.Client(legion.WithToken(tok)))
	// Request ids and URLs differ between the servers; the outcomes do not.
	norm := func(ss []string) []string {
		for i, s := range ss {
			if j := strings.Index(s, " [request id"); j >= 0 {
				ss[i] = s[:j]
			}
			ss[i] = strings.NewReplacer(srv.URL, "", replay.URL, "").Replace(ss[i])
		}
		return ss
	}
	if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
		t.Errorf("replayed outcomes (-recorded +replayed):\n%s", diff)
	}
	if u := replay.Unused(); len(u) != 0 {
		t.Errorf("unused fixtures: %v", u)
	}

	ftb := &failureTB{TB: t}
	strict := legiontest.NewReplayServer(ftb, dir)
	if _, err := strict.Client().Stats(ctx()); err == nil {
		t.Error("a request without a fixture answered")
	}
	if len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "no fixture for GET /stats") {
		t.Errorf("failures reported: %q", ftb.errors)
	}
}
