package legion

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The benchmarks fetch the same payloads through the SDK and through bare
// net/http + encoding/json, against the same local server in the same run,
// so that the ratio of the two is what the SDK costs.

func benchPayloads() (pkg, search string) {
	var versions, results []string
	for i := range 20 {
		versions = append(versions, fmt.Sprintf(`{"version":"1.%d.0","publishedAt":"2026-01-%02dT00:00:00Z"}`, i, i+1))
	}
	for i := range 20 {
		results = append(results, fmt.Sprintf(`{"name":"legion-http-%d","description":"HTTP client number %d","author":"alice",
			"license":"MIT","keywords":["http","client"],"latest":"1.%d.0","downloads":%d,"score":%d.5,
			"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-02-01T00:00:00Z"}`, i, i, i, 1000-i, 100-i))
	}
	pkg = `{"success":true,"package":{"name":"legion-http","description":"HTTP client","author":"alice","license":"MIT",
		"keywords":["http","client"],"readme":"` + strings.Repeat("# legion-http\\n\\nA client. ", 40) + `","latest":"1.19.0",
		"versions":[` + strings.Join(versions, ",") + `],"dependencies":{"legion-core":"^2.0.0"},"downloads":42,
		"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-02-01T00:00:00Z"}}`
	search = `{"success":true,"results":[` + strings.Join(results, ",") + `],"total":20,"query":"http"}`
	return pkg, search
}

// barePackage is what a hand-written client would decode into.
type barePackage struct {
	Name, Description, Author, License, Readme, Latest string
	Keywords                                           []string
	Versions                                           []struct {
		Version     string    `json:"version"`
		PublishedAt time.Time `json:"publishedAt"`
	}
	Dependencies         map[string]string
	Downloads            int64
	Score                float64
	CreatedAt, UpdatedAt time.Time
}

func benchServer(b *testing.B) (*httptest.Server, *Client) {
	pkg, search := benchPayloads()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/packages/legion-http":
			_, _ = io.WriteString(w, pkg)
		case "/api/v1/search":
			_, _ = io.WriteString(w, search)
		default:
			http.NotFound(w, r)
		}
	}))
	b.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL+"/api/v1"), WithToken(testToken))
	if err != nil {
		b.Fatal(err)
	}
	return srv, c
}

func bareGet(b *testing.B, hc *http.Client, url string, out any) {
	req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGetPackage(b *testing.B) {
	srv, c := benchServer(b)
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := c.GetPackage(context.Background(), "legion-http"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		b.ReportAllocs()
		for range b.N {
			var out struct{ Package barePackage }
			bareGet(b, hc, srv.URL+"/api/v1/packages/legion-http", &out)
		}
	})
}

func BenchmarkSearch(b *testing.B) {
	srv, c := benchServer(b)
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := c.Search(context.Background(), "http", &SearchOptions{Limit: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		b.ReportAllocs()
		for range b.N {
			var out struct {
				Results []barePackage
				Total   int
			}
			bareGet(b, hc, srv.URL+"/api/v1/search?q=http&limit=20", &out)
		}
	})
}

// BenchmarkDecodePackage isolates what GetPackage adds to bare decoding:
// the same body, decoded into the SDK's typed Package and into barePackage.
func BenchmarkDecodePackage(b *testing.B) {
	pkg, _ := benchPayloads()
	data := []byte(pkg)
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var env packageEnvelope
			if err := decodeAnswer(data, &env); err != nil {
				b.Fatal(err)
			}
			_ = env.pkg()
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var out struct{ Package barePackage }
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
