package legiontest

import (
	"crypto/rand"
	"encoding/binary"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Registry is an in-memory Legion registry. It implements http.Handler,
// serving the API below /api/v1, and is safe for concurrent use. Build one
// with NewRegistry, or a Server around one with NewServer.
type Registry struct {
	clock   Clock
	pwIter  int // password hash rounds
	maxBody int64
	bodyTO  time.Duration // bound on reading a request body

	mu  sync.Mutex // guards st and rng
	st  *state
	rng io.Reader // token and salt bytes: crypto/rand, or a seeded ChaCha8

	faultMu  sync.Mutex
	faults   []*faultRule
	faultSeq uint64

	limMu sync.Mutex
	lim   limiter

	recMu sync.Mutex
	reqs  []*RecordedRequest

	reqSeq atomic.Uint64
	// panics counts panics the last-resort recover caught; tests check it
	// stays zero.
	panics atomic.Int64
	// beforeRoute is a test seam run before routing (nil outside tests).
	beforeRoute func(*http.Request)
}

// NewRegistry returns an empty registry configured by opts, with any
// WithSeed data loaded.
func NewRegistry(opts ...Option) (*Registry, error) {
	cfg := config{clock: systemClock{}, maxBody: DefaultMaxBodyBytes, bodyTimeout: DefaultBodyTimeout, pwIter: DefaultPasswordIterations}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	r := &Registry{
		clock:   cfg.clock,
		pwIter:  cfg.pwIter,
		maxBody: cfg.maxBody,
		bodyTO:  cfg.bodyTimeout,
		st:      newState(),
		rng:     rand.Reader,
	}
	if cfg.seeded {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[:8], cfg.tokenSeed)
		copy(seed[8:], "legiontest token source")
		r.rng = mrand.NewChaCha8(seed)
	}
	r.lim.set(cfg.limitN, cfg.limitWindow, cfg.limitBy)
	for _, s := range cfg.seeds {
		if err := r.Seed(s); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// now is the clock's time in UTC at millisecond precision, as a JavaScript
// Date (and so the live registry) would record it.
func (r *Registry) now() time.Time {
	return r.clock.Now().UTC().Truncate(time.Millisecond)
}
