package legiontest

import (
	"net"
	"net/http"
	"time"
)

// --- rate limiting ---

// limiter is a fixed-window counter per key: a key's window opens with its
// first request and lets n requests through until it closes.
type limiter struct {
	n       int
	window  time.Duration
	by      LimitKey
	buckets map[string]*bucket
}

type bucket struct {
	start time.Time
	count int
}

func (l *limiter) set(n int, window time.Duration, by LimitKey) {
	if n <= 0 || window <= 0 {
		n, window = 0, 0
	}
	l.n, l.window, l.by, l.buckets = n, window, by, nil
}

// SetRateLimit allows n requests per window per key (see LimitKey); beyond
// that the registry answers 429 with Retry-After, in whole seconds by the
// registry's Clock, until the key's window closes. n = 0 (or a window ≤ 0)
// disables the limiter. Every call starts the count afresh.
func (r *Registry) SetRateLimit(n int, window time.Duration, by LimitKey) {
	r.limMu.Lock()
	defer r.limMu.Unlock()
	r.lim.set(n, window, by)
}

// allow counts the request; when it is over the limit it returns the time
// until the key's window closes.
func (r *Registry) allow(req *http.Request, hash string) (time.Duration, bool) {
	valid := r.tokenValid(hash)
	r.limMu.Lock()
	defer r.limMu.Unlock()
	l := &r.lim
	if l.n == 0 {
		return 0, true
	}
	key := "t:" + hash
	if l.by == ByAddress || !valid {
		host, _, err := net.SplitHostPort(req.RemoteAddr)
		if err != nil {
			host = req.RemoteAddr
		}
		key = "a:" + host
	}
	now := r.clock.Now()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	b := l.buckets[key]
	if b == nil || !now.Before(b.start.Add(l.window)) || now.Before(b.start) {
		if len(l.buckets) >= 4096 {
			for k, ob := range l.buckets {
				if !now.Before(ob.start.Add(l.window)) {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{start: now}
		l.buckets[key] = b
	}
	if b.count >= l.n {
		return b.start.Add(l.window).Sub(now), false
	}
	b.count++
	return 0, true
}

// retryAfterSeconds rounds wait up to whole seconds, at least one, without
// the overflow of wait+time.Second-1 near the largest duration.
func retryAfterSeconds(wait time.Duration) int64 {
	secs := int64(wait / time.Second)
	if wait%time.Second > 0 {
		secs++
	}
	return max(secs, 1)
}
