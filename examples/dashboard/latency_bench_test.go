package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// viewers is how many people load pages at once in BenchmarkViewers.
const viewers = 200

// viewedPages are what each viewer loads, one after the other.
var viewedPages = []string{"/", "/packages/legion-http-client", "/search?q=http"}

// BenchmarkViewers measures the latency of pages when the cache has
// expired (ttl 0) and the registry is up, down (connection refused) or
// hanging (accepts and never answers): 200 viewers at once each load the
// overview, a package and a search, after one viewer warmed the cache
// while the registry was up. The client is the one `go run .` builds
// (clientOptions). It reports the median, 99th percentile and slowest
// page in milliseconds, how many calls reached the registry and how many
// connections the dashboard tried to open to it (refused ones too).
//
//	go test -run '^$' -bench Viewers -benchtime 1x
func BenchmarkViewers(b *testing.B) {
	for _, state := range []string{"up", "down", "hanging"} {
		b.Run(state, func(b *testing.B) {
			for range b.N {
				lat, calls := viewLoad(b, state)
				slices.Sort(lat)
				b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
				b.ReportMetric(float64(calls), "registry-calls")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// viewLoad runs one round and returns every page's latency and how many
// calls reached the registry (refused connections reach nothing).
func viewLoad(b *testing.B, state string) ([]time.Duration, int) {
	b.StopTimer()
	reg := legiontest.NewServer(b, legiontest.WithSeed(demoSeed(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))))
	// A dialler that can be switched to a closed port: "down" is a real
	// connection refused.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	var down atomic.Bool
	var dials atomic.Int64 // connection attempts to the registry, refused ones too
	tr := &http.Transport{MaxIdleConnsPerHost: 100, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		if down.Load() {
			addr = refused
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := legion.NewClient(append(clientOptions(log), legion.WithBaseURL(reg.URL), legion.WithHTTPClient(&http.Client{Transport: tr}))...)
	if err != nil {
		b.Fatal(err)
	}
	dash := httptest.NewServer(newServer(c, 0, log))
	defer dash.Close()
	viewer := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: viewers}}
	get := func(path string) {
		resp, err := viewer.Get(dash.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if state == "up" && resp.StatusCode != 200 {
			b.Fatalf("%s: status %d", path, resp.StatusCode)
		}
	}
	for _, p := range viewedPages {
		get(p)
	}
	switch state {
	case "down":
		down.Store(true)
		tr.CloseIdleConnections()
	case "hanging":
		reg.AddFault(legiontest.Fault{Latency: time.Hour})
	}
	before := len(reg.Requests())
	dials.Store(0)

	b.StartTimer()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range viewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range viewedPages {
				start := time.Now()
				get(p)
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	calls := len(reg.Requests()) - before
	reg.Close() // cuts off the calls still hanging
	b.ReportMetric(float64(dials.Load()), "dials")
	return lat, calls
}
