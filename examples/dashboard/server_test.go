package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/legion-registry/legion-go/legiontest"
)

// rows returns the text of the first cell holding a link in each row of
// the table with the given id, in order.
func rows(body, id string) []string {
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		return nil
	}
	table := body[start:]
	table = table[:strings.Index(table, "</table>")]
	var names []string
	for _, m := range regexp.MustCompile(`<a class="name" href="/packages/[^"]*"><bdi>([^<]*)</bdi></a>`).FindAllStringSubmatch(table, -1) {
		names = append(names, m[1])
	}
	return names
}

// chartTop is the first bar of the chart of the fixture.
const chartTop = `<a class="name" href="/packages/legion-pkg-40"><bdi>legion-pkg-40</bdi></a>
      <svg class="track" aria-hidden="true" focusable="false"><rect height="100%" width="80.00%" rx="3"></rect></svg>
      <span class="value">4,000<span class="visually-hidden"> downloads</span></span>`

func TestOverview(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	code, body := f.get(t, "/")
	if code != 200 {
		t.Fatalf("status %d:\n%s", code, body)
	}
	// 42 packages; 100+200+…+4000 = 82,000 downloads, plus 7 and 3.
	for _, want := range []string{`id="total-packages">42<`, `id="total-users">1<`, `id="total-downloads">82,010<`, "page 1 of 3"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %s", want)
		}
	}
	top := rows(body, "top")
	if len(top) != pageSize || top[0] != "legion-pkg-40" || top[1] != "legion-pkg-39" {
		t.Errorf("top rows = %v", top)
	}
	if !strings.Contains(body, chartTop) || strings.Count(body, `<li class="bar">`) != chartBars {
		t.Errorf("the chart does not show the top %d packages", chartBars)
	}

	code, body = f.get(t, "/?page=2")
	if top := rows(body, "top"); code != 200 || len(top) != pageSize || top[0] != "legion-pkg-20" || !strings.Contains(body, `<td data-label="Rank" class="num">21</td>`) {
		t.Errorf("page 2: status %d, rows %v", code, top)
	}
	if !strings.Contains(body, chartTop) {
		t.Error("page 2's chart does not show the registry's top package")
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	code, body := f.get(t, "/search?q=http")
	if got := rows(body, "results"); code != 200 || !cmp.Equal(got, []string{"legion-http"}) {
		t.Errorf("search http: status %d, results %v", code, got)
	}
	for _, want := range []string{`<code class="ver"><bdi>2.0.0</bdi></code>`, "HTTP client with retries", `value="http"`} {
		if !strings.Contains(body, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
	if code, body := f.get(t, "/search?q=nothing-like-this"); code != 200 || !strings.Contains(body, `id="no-results"`) {
		t.Errorf("search with no match: status %d", code)
	}
}

func TestPackagePage(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	code, body := f.get(t, "/packages/legion-http")
	if code != 200 {
		t.Fatalf("status %d:\n%s", code, body)
	}
	versions := regexp.MustCompile(`<li><a class="ver" href="/packages/legion-http/[^"]*"><code>([^<]*)</code>`).FindAllStringSubmatch(body[strings.Index(body, `id="versions"`):], -1)
	var got []string
	for _, m := range versions {
		got = append(got, m[1])
	}
	if want := []string{"1.9.0", "2.0.0", "1.5.0", "1.0.0"}; !cmp.Equal(got, want) {
		t.Errorf("versions in publish order = %v, want %v", got, want)
	}
	for _, want := range []string{
		`<code class="badge ver"><bdi>2.0.0</bdi></code>`, // latest by semver, not the last published
		`<a class="name" href="/packages/legion-pkg-01"><bdi>legion-pkg-01</bdi></a> <code>^1.1.0</code>`,
		"Header injection", "<code>&lt;1.5.0</code>", `<span class="good">fixed</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("package page lacks %s", want)
		}
	}
}

// Every value from the registry is text, wherever it is shown.
func TestEscaping(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	for _, path := range []string{"/packages/legion-evil", "/search?q=evil", "/?page=3"} {
		code, body := f.get(t, path)
		if code != 200 || strings.Contains(body, "<script>window") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: status %d, raw markup from the registry in the page", path, code)
		}
		if !strings.Contains(body, "&lt;script&gt;window.pwned=1&lt;/script&gt;") {
			t.Errorf("%s does not show the description as text", path)
		}
	}
}

func TestFriendlyErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	for _, tt := range []struct {
		path string
		code int
		text string
	}{
		{"/packages/legion-nothing", 404, "no package named “legion-nothing”"},
		{"/packages/NOT%20A%20NAME", 400, "Bad request"},
		{"/no/such/page", 404, "There is no page at /no/such/page."},
		{"/?page=0", 400, "page must be a whole number"},
		{"/?page=x", 400, "page must be a whole number"},
		{"/?page=99", 404, "only 3 pages"},
		{"/search?q=" + strings.Repeat("a", 101), 400, "at most 100 characters"},
		{"/search?q=a%00b", 400, "cannot be searched for"},
	} {
		code, body := f.get(t, tt.path)
		if code != tt.code || !strings.Contains(body, tt.text) || !strings.Contains(body, `id="error"`) {
			t.Errorf("%s: status %d, want %d with %q:\n%s", tt.path, code, tt.code, tt.text, body)
		}
	}
}

// browse visits every kind of page.
func browse(t *testing.T, f *fixture) {
	for _, path := range []string{"/", "/?page=2", "/search?q=http", "/search?q=legion", "/packages/legion-http", "/packages/legion-http/1.5.0", "/packages/legion-evil", "/packages/legion-pkg-07", "/packages/legion-nothing"} {
		f.get(t, path)
	}
}

func TestBrowsingCountsNoDownloads(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	before := f.downloads(t)
	browse(t, f)
	if diff := cmp.Diff(before, f.downloads(t)); diff != "" {
		t.Errorf("browsing changed download counts (-before +after):\n%s", diff)
	}
	f.noPackageGets(t)
}

// count returns how many requests for path the registry answered.
func count(reg *legiontest.Server, path string) int {
	n := 0
	for _, r := range reg.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

func TestCacheTTL(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	var mu sync.Mutex
	now := time.Now()
	f.srv.cache.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f.get(t, "/")
	f.get(t, "/")
	if n := count(f.reg, "/stats"); n != 1 {
		t.Errorf("two views within the TTL asked the registry %d times", n)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	f.get(t, "/")
	// After the TTL the view is served at once and refreshed in the
	// background (stale-while-revalidate): count once that refresh is done.
	f.srv.cache.bg.Wait()
	if n := count(f.reg, "/stats"); n != 2 {
		t.Errorf("a view after the TTL asked the registry %d times in all, want 2", n)
	}
}

// Concurrent views of the same data share one registry call, even with
// no caching at all.
func TestConcurrentViewsShareOneCall(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	f.reg.AddFault(legiontest.Fault{Path: "/stats", Latency: time.Second, Times: 1})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _ := f.get(t, "/"); code != 200 {
				t.Errorf("status %d", code)
			}
		}()
	}
	wg.Wait()
	if n := count(f.reg, "/stats"); n != 1 {
		t.Errorf("10 concurrent views asked the registry for /stats %d times", n)
	}
}

// A viewer who goes away does not cancel the registry call others wait for.
func TestCancelledViewerDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	f := setup(t, 0)
	f.reg.AddFault(legiontest.Fault{Path: "/stats", Latency: 500 * time.Millisecond, Times: 1})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.dash.URL+"/", nil)
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond) // the first viewer's call is in flight
	done := make(chan int)
	var body string
	go func() { code, b := f.get(t, "/"); body = b; done <- code }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if code := <-done; code != 200 || !strings.Contains(body, `id="total-packages">42<`) {
		t.Errorf("the second viewer got %d:\n%s", code, body)
	}
}

func TestStaleData(t *testing.T) {
	t.Parallel()
	for _, fault := range []legiontest.Fault{
		{Status: 503},
		{Status: 429, Header: http.Header{"Retry-After": {"3600"}}},
	} {
		f := setup(t, 0)
		if code, body := f.get(t, "/"); code != 200 || strings.Contains(body, `id="stale"`) {
			t.Fatalf("fresh overview: status %d or marked stale", code)
		}
		f.get(t, "/packages/legion-http")
		f.reg.AddFault(fault)
		// The first views after the outage begins serve the cache at once
		// and learn of the outage in the background.
		f.get(t, "/")
		f.get(t, "/packages/legion-http")
		f.srv.cache.bg.Wait()
		for _, path := range []string{"/", "/packages/legion-http"} {
			code, body := f.get(t, path)
			if code != 200 || !strings.Contains(body, `id="stale"`) || !strings.Contains(body, "stale since") {
				t.Errorf("%d: %s: status %d, no stale notice", fault.Status, path, code)
			}
			if path == "/" && !strings.Contains(body, `id="total-packages">42<`) {
				t.Errorf("%d: the stale overview lost its data", fault.Status)
			}
		}
		// Nothing cached: a friendly 503, not an error's internals.
		code, body := f.get(t, "/search?q=never-asked")
		if code != 503 || !strings.Contains(body, "Registry unavailable") || strings.Contains(body, "legion:") {
			t.Errorf("%d: uncached search: status %d:\n%s", fault.Status, code, body)
		}
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	exit := make(chan int)
	go func() {
		exit <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, pw, io.Discard)
		pw.Close()
	}()
	buf := make([]byte, 200)
	n, err := pr.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := strings.TrimPrefix(strings.TrimSpace(string(buf[:n])), "dashboard: ")
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `id="total-packages"`) {
		t.Errorf("demo overview: status %d", resp.StatusCode)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("exit %d after cancel", code)
	}
}
