package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPackagePageDetails(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	code, body := f.get(t, "/packages/legion-http")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		`<code id="install-cmd" class="cmd" tabindex="0">legion pkg install legion-http@2.0.0</code>`,
		`<dd id="author"><bdi>bob</bdi></dd>`, `<dd id="license"><bdi>MIT</bdi></dd>`,
		`<a href="/search?q=http"><bdi>http</bdi></a>`, `<a href="/search?q=client"><bdi>client</bdi></a>`,
		// The readme, rendered: headings below the page's h1, links only to http(s).
		`<h2>legion-http</h2>`, `A <strong>fast</strong> client.`,
		`<a href="https://example.com/docs" rel="nofollow noopener noreferrer">the docs</a> or this.`,
		`&lt;script&gt;window.pwned=3&lt;/script&gt;`, `c := http.New(&#34;&lt;b&gt;&#34;)`, "<li>one</li>",
		// Every version has its permalink.
		`href="/packages/legion-http/1.0.0"`, `href="/packages/legion-http/1.5.0"`, `href="/packages/legion-http/1.9.0"`, `href="/packages/legion-http/2.0.0"`,
		`<meta name="description" content="HTTP client with retries">`,
		`<p id="description" class="lead" dir="auto">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("package page lacks %s", want)
		}
	}
	if strings.Contains(body, "javascript:") || strings.Contains(body, "<script>window") || strings.Contains(body, `id="not-latest"`) {
		t.Error("the page holds a javascript: link or raw markup from the readme, or calls the latest an older version")
	}
	// Relative times beside dates: "(9 months ago)".
	if !regexp.MustCompile(`<time datetime="2026-02-05T06:00:00Z">2026-02-05</time> \(\d+ (days?|months?|years?) ago\)`).MatchString(body) {
		t.Error("the publish date has no relative time")
	}
}

// /packages/NAME/VERSION is that version: its readme, dependencies,
// install command and advisories.
func TestVersionPermalink(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	code, body := f.get(t, "/packages/legion-http/1.5.0")
	for _, want := range []string{
		`<code class="badge ver"><bdi>1.5.0</bdi></code>`, `id="not-latest"`, `href="/packages/legion-http/2.0.0"`,
		"legion pkg install legion-http@1.5.0", "<h2>Old readme</h2>", "Dependencies of 1.5.0",
		`<span class="good">fixed</span>`, "<title>legion-http 1.5.0 · Legion dashboard</title>",
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("1.5.0: status %d, lacks %s", code, want)
		}
	}
	if strings.Contains(body, "legion-pkg-01") {
		t.Error("1.5.0 shows the dependencies of 2.0.0")
	}
	if _, body := f.get(t, "/packages/legion-http/1.0.0"); !strings.Contains(body, `<strong class="bad">affected</strong>`) {
		t.Error("1.0.0 is not shown as affected by the advisory against <1.5.0")
	}
	if _, body := f.get(t, "/packages/legion-http/2.0.0"); !strings.Contains(body, `<a class="name" href="/packages/legion-pkg-01"><bdi>legion-pkg-01</bdi></a> <code>^1.1.0</code>`) {
		t.Error("2.0.0 does not link its dependency")
	}
	for _, tt := range []struct {
		path string
		code int
		text string
	}{
		{"/packages/legion-http/3.0.0", 404, "has no version 3.0.0"},
		{"/packages/legion-http/x.y", 400, "Bad request"},
		{"/packages/legion-nothing/1.0.0", 404, "no package named"},
	} {
		if code, body := f.get(t, tt.path); code != tt.code || !strings.Contains(body, tt.text) {
			t.Errorf("%s: status %d, want %d with %q", tt.path, code, tt.code, tt.text)
		}
	}
	f.noPackageGets(t)
}

// Text from the registry is isolated for direction wherever it is shown,
// so that a right-to-left override cannot reorder what follows it.
func TestRegistryTextIsIsolated(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	const desc = `<bdi>&lt;script&gt;window.pwned=1&lt;/script&gt;`
	for _, path := range []string{"/?page=3", "/search?q=evil"} {
		if _, body := f.get(t, path); !strings.Contains(body, desc) || !strings.Contains(body, `<bdi>legion-evil</bdi>`) {
			t.Errorf("%s: the name or description is not in a <bdi>", path)
		}
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"# Title", "<h2>Title</h2>\n"},
		{"###### Deep", "<h6>Deep</h6>\n"},
		{"<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
		{"[a](https://x.example/p?q=1&r=2)", `<p><a href="https://x.example/p?q=1&amp;r=2" rel="nofollow noopener noreferrer">a</a></p>` + "\n"},
		{"[a](javascript:alert(1))", "<p>a</p>\n"},
		{"[a](JAVASCRIPT:alert(1))", "<p>a</p>\n"},
		{"[a](data:text/html,x)", "<p>a</p>\n"},
		{"[a](javascript://example.com/%0Aalert(1))", "<p>a</p>\n"},
		{"[a](ftp://example.com/x)", "<p>a</p>\n"},
		{"[a](/relative)", "<p>a</p>\n"},
		{`[a](https://x.example/" onmouseover="x)`, "<p>[a](https://x.example/&#34; onmouseover=&#34;x)</p>\n"},
		{"**b** *i* `<c>`", "<p><strong>b</strong> <em>i</em> <code>&lt;c&gt;</code></p>\n"},
		{"```\n<script>\n```", "<pre tabindex=\"0\"><code>&lt;script&gt;\n</code></pre>\n"},
		{"- a\n- b\n\n1. c", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n"},
		{"> quote", "<blockquote><p>quote</p></blockquote>\n"},
		{"one\ntwo\n\nthree", "<p>one two</p>\n<p>three</p>\n"},
	} {
		if got := string(markdown(tt.in)); got != tt.want {
			t.Errorf("markdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTTPDetails(t *testing.T) {
	t.Parallel()
	f := setup(t, time.Minute)
	do := func(method, path string, h http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, f.dash.URL+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed, no decompression
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("GET", "/favicon.ico", nil); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("/favicon.ico: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/assets/", "/assets", "/assets/nothing.css"} {
		if r := do("GET", path, nil); r.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404 (no listing)", path, r.StatusCode)
		}
	}
	_, body := f.get(t, "/")
	css := regexp.MustCompile(`href="(/assets/style\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
	if css == nil {
		t.Fatal("the page links no versioned stylesheet")
	}
	r := do("GET", css[1], http.Header{"Accept-Encoding": {"gzip, br"}})
	if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" || r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("versioned stylesheet: %d, encoding %q, cache %q", r.StatusCode, r.Header.Get("Content-Encoding"), r.Header.Get("Cache-Control"))
	}
	if r := do("GET", css[1], http.Header{"If-None-Match": {r.Header.Get("ETag")}}); r.StatusCode != 304 {
		t.Errorf("revalidation: status %d, want 304", r.StatusCode)
	}
	if r := do("GET", "/assets/style.css", nil); r.Header.Get("Content-Encoding") != "" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") {
		t.Errorf("unversioned stylesheet without gzip: encoding %q, cache %q", r.Header.Get("Content-Encoding"), r.Header.Get("Cache-Control"))
	}
	for _, path := range []string{"/", "/search", "/packages/legion-http", "/packages/legion-http/2.0.0"} {
		if r := do("POST", path, nil); r.StatusCode != 405 || r.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s: status %d, Allow %q", path, r.StatusCode, r.Header.Get("Allow"))
		}
	}
	if r := do("GET", "/packages/legion-http/", nil); r.StatusCode != 301 || r.Header.Get("Location") != "/packages/legion-http" {
		t.Errorf("/packages/legion-http/: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	for _, want := range []string{`<meta name="description" content="Packages of the Legion registry`, `<a class="skip" href="#main">`, `<main id="main"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
}
