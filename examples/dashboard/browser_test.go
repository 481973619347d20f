package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/legion-registry/legion-go/legiontest"
)

var screenshot = flag.String("screenshot", filepath.Join(os.TempDir(), "legion-dashboard.png"),
	"where TestBrowser saves its screenshot of the demo overview (e.g. ../../docs/dashboard.png)")

// browserPath finds Chromium, or skips the test outside CI.
func browserPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-headless-shell", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium found: install Debian's package chromium (apt-get install chromium) or set CHROME_PATH"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and nothing
// that calls home (the network here is closed).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", browserPath(t), err)
	}
	return ctx
}

// do runs browser steps with a deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// texts is the text of every element matching a CSS selector.
func texts(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	return eval[[]string](t, ctx, `[...document.querySelectorAll(`+"`"+sel+"`"+`)].map(e => e.textContent.trim())`)
}

// TestBrowser browses the dashboard in headless Chromium as a person
// would, then checks that the registry counted no download.
func TestBrowser(t *testing.T) {
	f := setup(t, 0)
	before := f.downloads(t)
	ctx := newBrowser(t)

	// The overview: totals and the first rows.
	do(t, ctx, "overview", chromedp.Navigate(f.dash.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#top")))
	totals := texts(t, ctx, "#totals .n")
	if want := []string{"42", "1", "82,010"}; !cmp.Equal(totals, want) {
		t.Errorf("totals = %v, want %v", totals, want)
	}
	if top := texts(t, ctx, "#top tbody td:nth-child(2) a"); len(top) != pageSize || !cmp.Equal(top[:3], []string{"legion-pkg-40", "legion-pkg-39", "legion-pkg-38"}) {
		t.Errorf("top rows = %v", top)
	}
	if bars := texts(t, ctx, "#chart .bar .name"); len(bars) != chartBars || bars[0] != "legion-pkg-40" {
		t.Errorf("chart bars = %v", bars)
	}

	// "/" jumps to the search box; typing and Enter searches.
	do(t, ctx, "slash", chromedp.KeyEvent("/"))
	if id := eval[string](t, ctx, "document.activeElement.id"); id != "q" {
		t.Errorf(`after "/", the focus is on %q, not the search box`, id)
	}
	// (DevTools' key events type the "/" the page's keydown handler
	// cancelled; a person's browser would not.)
	eval[string](t, ctx, `document.activeElement.value = ""`)
	do(t, ctx, "search", chromedp.KeyEvent("http\r"), chromedp.WaitVisible(chromedp.CSS("#results")))
	if got := texts(t, ctx, "#results tbody td:nth-child(1)"); !cmp.Equal(got, []string{"legion-http"}) {
		t.Errorf("search results = %v", got)
	}
	if got := texts(t, ctx, "#results tbody td"); len(got) != 4 || got[1] != "2.0.0" || got[3] != "HTTP client with retries" {
		t.Errorf("result row = %q, want name, latest, score, description", got)
	}

	// A package: versions in publish order and its advisory.
	do(t, ctx, "package", chromedp.Click(chromedp.CSS("#results a")), chromedp.WaitVisible(chromedp.CSS("#versions")))
	if got := texts(t, ctx, "#versions code"); !cmp.Equal(got, []string{"1.9.0", "2.0.0", "1.5.0", "1.0.0"}) {
		t.Errorf("versions = %v", got)
	}
	if got := texts(t, ctx, "#advisories tbody tr"); len(got) != 1 || !strings.Contains(got[0], "Header injection") || !strings.Contains(got[0], "<1.5.0") {
		t.Errorf("advisories = %q", got)
	}
	if got := texts(t, ctx, "#dependencies li"); !cmp.Equal(got, []string{"legion-pkg-01 ^1.1.0"}) {
		t.Errorf("dependencies = %q", got)
	}

	// Markup in a description is text, and none of it runs.
	do(t, ctx, "evil package", chromedp.Navigate(f.dash.URL+"/packages/legion-evil"), chromedp.WaitVisible(chromedp.CSS("#description")))
	if got := texts(t, ctx, "#description"); !cmp.Equal(got, []string{xssDescription}) {
		t.Errorf("description shown as %q, want the text %q", got, xssDescription)
	}
	if pwned := eval[bool](t, ctx, `window.pwned !== undefined || document.querySelector("main script, main img") !== null`); pwned {
		t.Error("markup from the registry became elements of the page")
	}

	// An unknown package: the friendly page.
	do(t, ctx, "404", chromedp.Navigate(f.dash.URL+"/packages/legion-nothing"), chromedp.WaitVisible(chromedp.CSS("#error")))
	if got := texts(t, ctx, "#error .status"); !cmp.Equal(got, []string{"404"}) {
		t.Errorf("error page status = %q", got)
	}

	// The registry goes down: the last good overview, marked stale.
	remove := f.reg.AddFault(legiontest.Fault{Status: 503})
	f.get(t, "/") // served from the cache at once; the refresh behind it fails
	f.srv.cache.bg.Wait()
	do(t, ctx, "stale overview", chromedp.Navigate(f.dash.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#stale")))
	if got := texts(t, ctx, "#stale"); len(got) != 1 || !strings.Contains(got[0], "stale since") {
		t.Errorf("stale notice = %q", got)
	}
	if got := texts(t, ctx, "#total-packages"); !cmp.Equal(got, []string{"42"}) {
		t.Errorf("stale totals = %q", got)
	}
	remove()

	if diff := cmp.Diff(before, f.downloads(t)); diff != "" {
		t.Errorf("browsing changed download counts (-before +after):\n%s", diff)
	}
	f.noPackageGets(t)

	// The screenshot: the demo registry, as `go run .` shows it.
	demo := legiontest.NewServer(t, legiontest.WithSeed(demoSeed(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))))
	dash := httptest.NewServer(newServer(demo.Client(), time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer dash.Close()
	do(t, ctx, "demo overview", chromedp.Navigate(dash.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#chart")))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the overview: %s", *screenshot)
}
