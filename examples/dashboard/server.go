package main

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

//go:embed templates/*.html
var templateFS embed.FS

const (
	pageSize    = 20 // rows of the top list and of search results per page
	maxQueryLen = 100
	chartBars   = 10
	// pageWait bounds how long a page waits on the registry in all (its
	// calls run concurrently) before it shows what is cached or a 503.
	pageWait = 2 * time.Second
	// defaultCacheBytes bounds the cache's estimate of the answers it holds.
	defaultCacheBytes = 64 << 20
)

// server is the dashboard: an http.Handler that reads the registry through
// c and a cache, never through GET /packages/:name (which counts a
// download).
type server struct {
	c      *legion.Client
	cache  *cache
	assets assets
	wait   time.Duration // pageWait; a field so tests may shorten it
	pages  map[string]*template.Template
	log    *slog.Logger
	mux    *http.ServeMux
}

func newServer(c *legion.Client, ttl time.Duration, log *slog.Logger) *server {
	s := &server{c: c, cache: newCache(ttl, defaultCacheBytes), wait: pageWait, log: log, mux: http.NewServeMux()}
	s.assets = loadAssets()
	s.pages = parsePages(s.assets)
	s.mux.HandleFunc("GET /assets/{file}", s.asset)
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("file", "favicon.svg")
		s.asset(w, r)
	})
	s.mux.HandleFunc("/{$}", getOnly(s.overview))
	s.mux.HandleFunc("/search", getOnly(s.search))
	s.mux.HandleFunc("/packages/{name}", getOnly(s.pkg))
	s.mux.HandleFunc("GET /packages/{name}/{$}", s.pkgDir)
	s.mux.HandleFunc("/packages/{name}/{version}", getOnly(s.pkg))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "Page not found", "There is no page at "+r.URL.Path+".")
	})
	return s
}

// getOnly answers 405 to any method but GET and HEAD on a page that exists.
func getOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Only GET and HEAD are allowed here.", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything is served from here; nothing runs that the page did not bring.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

func parsePages(a assets) map[string]*template.Template {
	funcs := template.FuncMap{
		"asset": a.url,
		"ago":   ago,
		"group": func(n any) (string, error) {
			switch n := n.(type) {
			case int:
				return group(int64(n)), nil
			case int64:
				return group(n), nil
			}
			return "", fmt.Errorf("group: %T is not an integer", n)
		},
		"add":  func(a, b int) int { return a + b },
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"rfc":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "search", "package", "error"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// page is what every template sees.
type page struct {
	Title       string
	Description string // of the page, for search engines; a default when empty
	Registry    string
	Query       string
	Stale       time.Time // zero when every answer on the page is fresh
	Data        any
}

func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Registry = s.c.BaseURL()
	if p.Description == "" {
		p.Description = "Packages of the Legion registry: the most downloaded, the newest, search, versions, dependencies and advisories."
	}
	var b strings.Builder
	if err := s.pages[name].Execute(&b, p); err != nil {
		s.log.Error("render", "page", name, "err", err)
		http.Error(w, "The page could not be drawn.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(b.String()))
	}
}

// fail draws the friendly error page.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	s.render(w, r, status, "error", page{Title: title, Data: struct {
		Status  int
		Message string
	}{status, msg}})
}

// failRegistry turns an error from the registry into a page with the right
// status: the registry's 4xx become 400 or 404, an outage with nothing
// cached 503 (never a 500, never the error's internals).
func (s *server) failRegistry(w http.ResponseWriter, r *http.Request, err error, notFound string) {
	var apiErr *legion.Error
	switch {
	case r.Context().Err() != nil:
		return // the browser went away
	case errors.Is(err, legion.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "Not found", notFound)
	case errors.Is(err, legion.ErrInvalidArgument), errors.Is(err, legion.ErrBadRequest):
		s.fail(w, r, http.StatusBadRequest, "Bad request", "The registry cannot answer that: "+reason(err))
	default:
		s.log.Warn("registry", "err", err)
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(apiErr.RetryAfter.Seconds()+0.5)))
		}
		s.fail(w, r, http.StatusServiceUnavailable, "Registry unavailable",
			"The registry is not answering right now and nothing is cached yet. Try again in a moment.")
	}
}

// reason is the part of an SDK error meant for a person.
func reason(err error) string {
	var argErr *legion.ArgumentError
	var apiErr *legion.Error
	switch {
	case errors.As(err, &argErr):
		return argErr.Error()
	case errors.As(err, &apiErr) && apiErr.Message != "":
		return apiErr.Message
	}
	return "the request is not valid"
}

// staler returns the older of two stale times, zero meaning fresh.
func staler(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// group writes n with thousands separators: 23000 → 23,000.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
