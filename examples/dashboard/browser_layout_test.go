package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/legion-registry/legion-go/legiontest"
)

var mobileScreenshot = flag.String("mobile-screenshot", filepath.Join(os.TempDir(), "legion-dashboard-mobile.png"),
	"where TestBrowserLayout saves its screenshot of the overview on a phone (e.g. ../../docs/dashboard-mobile.png)")

// The longest data the registry accepts: a 64-character name without a
// hyphen, a long prerelease, descriptions and keywords that are one long
// word, and text with a right-to-left override.
const (
	longName    = "averyveryverylongpackagenamewithoutanyhyphenwhichgoesonandonando" // 64 characters
	longVersion = "1.0.0-alpha.averyveryverylongprereleaseidentifierwithoutanybreakwhatsoever.and.another.one"
	rtlText     = "safe \u202Egnp.exe\u202C description"
)

// hostileSeed is the demo registry plus packages with the longest valid
// data, popular enough to appear in the chart, the top list and the
// recent and newest lists.
func hostileSeed(now time.Time) legiontest.Seed {
	seed := demoSeed(now)
	word := strings.Repeat("supercalifragilistic", 15)
	seed.Packages = append(seed.Packages,
		legiontest.SeedPackage{Name: longName, Owner: "ada", Description: word, License: "MIT", Keywords: []string{word[:legiontest.MaxKeywordLen], "long"},
			Readme:    "# " + word + "\n\n```\n" + word + " " + word + "\n```\n\nSee [" + word + "](https://example.com/" + word + ").",
			Downloads: 10_000_000,
			Versions: []legiontest.SeedVersion{
				{Version: "1.0.0", PublishedAt: now.Add(-48 * time.Hour)},
				{Version: longVersion, PublishedAt: now.Add(-time.Hour), Dependencies: map[string]string{"legion-http": "^1.0.0"}},
			}},
		legiontest.SeedPackage{Name: "legion-rtl", Owner: "ada", Description: rtlText, Downloads: 9_000_000,
			Versions: []legiontest.SeedVersion{{Version: longVersion, PublishedAt: now.Add(-time.Minute), Dependencies: map[string]string{longName: "*"}}}},
	)
	return seed
}

// axeSource is axe-core, vendored (testdata/axe.min.js, MPL-2.0): the
// test reaches no network.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// axeViolations runs axe-core on the page for WCAG 2.1 A and AA and
// returns one line per violated rule.
func axeViolations(t *testing.T, ctx context.Context, axe string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axe+";undefined")); err != nil {
		t.Fatalf("loading axe-core: %v", err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return v
}

func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// TestBrowserLayout loads every kind of page, with the longest valid data,
// on a phone (390 px) and a laptop (1366 px), in light and dark mode: no
// page scrolls sideways, and axe-core finds no WCAG 2.1 A or AA
// violation.
func TestBrowserLayout(t *testing.T) {
	now := time.Now()
	reg := legiontest.NewServer(t, legiontest.WithSeed(hostileSeed(now)))
	srv := newServer(reg.Client(), time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
	dash := httptest.NewServer(srv)
	defer dash.Close()
	ctx := newBrowser(t)
	axe := axeSource(t)

	paths := []string{
		"/", "/?page=2", "/search?q=legion", "/search?q=legion&page=2", "/search?q=" + longName, "/search",
		"/packages/" + longName, "/packages/" + longName + "/" + longVersion, "/packages/legion-rtl", "/packages/legion-http-client",
		"/packages/" + longName + "x/and/a/long/path/" + strings.Repeat("segment", 20), // the friendly 404
	}
	for _, size := range [][2]int64{{390, 844}, {1366, 900}} {
		for _, scheme := range []string{"light", "dark"} {
			do(t, ctx, "viewport", chromedp.EmulateViewport(size[0], size[1], chromedp.EmulateScale(1)), colorScheme(scheme))
			for _, path := range paths {
				do(t, ctx, path, chromedp.Navigate(dash.URL+path), chromedp.WaitReady(chromedp.CSS("footer")))
				if w := eval[int64](t, ctx, `document.documentElement.scrollWidth`); w > size[0] {
					t.Errorf("%d px, %s: %s is %d px wide: it scrolls sideways", size[0], scheme, path, w)
				}
				// On a phone a table is one block a row, each cell as wide
				// as the table (no column squeezed to a word a line); on a
				// laptop it is a table.
				narrow := eval[int64](t, ctx, `[...document.querySelectorAll("table.stack td")].filter(td => td.getBoundingClientRect().width < 0.9 * td.closest("table").getBoundingClientRect().width).length`)
				if cells := eval[int64](t, ctx, `document.querySelectorAll("table.stack td").length`); size[0] == 390 && narrow > 0 {
					t.Errorf("390 px: %s: %d of %d table cells are narrower than their table: the table did not collapse", path, narrow, cells)
				} else if size[0] == 1366 && cells > 0 && narrow != cells {
					t.Errorf("1366 px: %s: only %d of %d table cells are columns", path, narrow, cells)
				}
				if h1 := eval[int64](t, ctx, `document.querySelectorAll("h1").length`); h1 != 1 {
					t.Errorf("%s has %d h1 elements, want 1", path, h1)
				}
				if scheme == "light" || size[0] == 390 { // axe on every page once, and dark mode on the phone
					for _, v := range axeViolations(t, ctx, axe) {
						t.Errorf("%d px, %s: %s: %s", size[0], scheme, path, v)
					}
				}
			}
		}
	}

	// The stale notice and the friendly 503 pass too.
	reg.AddFault(legiontest.Fault{Status: 503})
	srv.cache.ttl = 0
	for _, path := range []string{"/", "/search?q=never-asked"} {
		f := &fixture{dash: dash}
		f.get(t, path) // served from the cache at once; the refresh behind it fails
		srv.cache.bg.Wait()
	}
	for _, scheme := range []string{"light", "dark"} {
		do(t, ctx, "stale", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)), colorScheme(scheme), chromedp.Navigate(dash.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#stale")))
		for _, v := range axeViolations(t, ctx, axe) {
			t.Errorf("stale overview, %s: %s", scheme, v)
		}
		do(t, ctx, "503", chromedp.Navigate(dash.URL+"/search?q=never-asked-either"), chromedp.WaitVisible(chromedp.CSS("#error")))
		if got := texts(t, ctx, "#error .status"); len(got) != 1 || got[0] != "503" {
			t.Errorf("error page status = %q, want 503", got)
		}
		for _, v := range axeViolations(t, ctx, axe) {
			t.Errorf("503 page, %s: %s", scheme, v)
		}
	}

	// The screenshot: the overview on a phone.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1)), colorScheme("light"), chromedp.Navigate(dash.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#chart")))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*mobileScreenshot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the overview on a phone: %s", *mobileScreenshot)
}
