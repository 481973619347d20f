package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// config is what the command line asks for.
type config struct {
	addr       string
	seedFile   string
	stateFile  string
	rateN      int
	rateWindow time.Duration
	rateBy     legiontest.LimitKey
	faults     []legiontest.Fault
	bodyTO     time.Duration
	tokenSeed  *uint64 // nil: tokens from crypto/rand
	admin      *bool   // nil: on for a loopback address, off otherwise
	tls        bool
}

const usageText = `usage: legion-registry [flags]

Serves an in-memory fake of the Legion registry (package legiontest) and
prints its API base URL (http://HOST:PORT/api/v1) on stdout. SIGINT or
SIGTERM shuts it down gracefully and saves -state.

flags:
`

// parseFlags reads args into a config; the error has been reported on
// stderr (with the usage) when it is not flag.ErrHelp.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("legion-registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.DurationVar(&cfg.bodyTO, "body-timeout", legiontest.DefaultBodyTimeout, "how long a request body may take to arrive; a slower one is answered 408")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen `address`; port 0 picks a free port")
	fs.StringVar(&cfg.seedFile, "seed", "", "JSON `file` of legiontest.Seed (users, packages, advisories) loaded at start;\nignored when -state names an existing file")
	fs.StringVar(&cfg.stateFile, "state", "", "state `file`: loaded at start when it exists, written at start and atomically\non shutdown (hashes only: no clear-text token or password)")
	rate := fs.String("rate-limit", "", "allow `N/WINDOW` requests per key, e.g. 60/1m; beyond that 429 with Retry-After")
	by := fs.String("rate-limit-by", "token", "what the rate limit counts by: `token` (requests without one count by address) or address")
	fs.Func("fault", "inject a fault (repeatable): `'METHOD PATH STATUS[:TIMES]'`, e.g. 'POST /packages/publish 503:2';\nMETHOD * is any method, PATH a glob below /api/v1, TIMES how many requests it answers\n(default: all)", func(s string) error {
		f, err := parseFault(s)
		if err == nil {
			cfg.faults = append(cfg.faults, f)
		}
		return err
	})
	fs.Func("token-seed", "make generated tokens deterministic from this `N` (uint64)", func(s string) error {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return errors.New("not an unsigned integer")
		}
		cfg.tokenSeed = &n
		return nil
	})
	fs.BoolVar(&cfg.tls, "tls", false, "serve HTTPS with a self-signed certificate generated at start, printed (PEM) on stderr")
	fs.Var(&optBool{p: &cfg.admin}, "admin", "serve the admin routes under /_admin/ (NO authentication); default: on for a\nloopback -addr only")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) (*config, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "legion-registry: %v\n", err)
		fs.Usage()
		return nil, err
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if _, _, err := net.SplitHostPort(cfg.addr); err != nil {
		return bad("-addr %q: %v", cfg.addr, err)
	}
	if cfg.bodyTO <= 0 {
		return bad("-body-timeout %v: want a positive duration", cfg.bodyTO)
	}
	if *rate != "" {
		n, w, err := parseRate(*rate)
		if err != nil {
			return bad("-rate-limit %q: %v", *rate, err)
		}
		cfg.rateN, cfg.rateWindow = n, w
	}
	switch *by {
	case "token":
		cfg.rateBy = legiontest.ByToken
	case "address":
		cfg.rateBy = legiontest.ByAddress
	default:
		return bad("-rate-limit-by %q: want token or address", *by)
	}
	return cfg, nil
}

// optBool is a boolean flag that remembers whether it was given.
type optBool struct{ p **bool }

func (b *optBool) IsBoolFlag() bool { return true }

func (b *optBool) String() string {
	if b.p == nil || *b.p == nil {
		return ""
	}
	return strconv.FormatBool(**b.p)
}

func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	*b.p = &v
	return nil
}

// parseRate reads N/WINDOW: "60/1m", "10/30s", "100/h" (a bare unit means
// one of it). N = 0 turns the limiter off.
func parseRate(s string) (int, time.Duration, error) {
	ns, ws, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, errors.New("want N/WINDOW, e.g. 60/1m")
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 0 {
		//lint:ignore ST1005 "N" is the placeholder of N/WINDOW, not a capitalized word
		return 0, 0, errors.New("N must be a non-negative integer")
	}
	if ws != "" && (ws[0] < '0' || ws[0] > '9') && ws[0] != '.' {
		ws = "1" + ws
	}
	w, err := time.ParseDuration(ws)
	if err != nil || w <= 0 {
		return 0, 0, errors.New("WINDOW must be a positive duration, e.g. 1m or 30s")
	}
	return n, w, nil
}

// parseFault reads 'METHOD PATH STATUS[:TIMES]'.
func parseFault(s string) (legiontest.Fault, error) {
	fields := strings.Fields(s)
	if len(fields) != 3 {
		return legiontest.Fault{}, errors.New("want 'METHOD PATH STATUS[:TIMES]', e.g. 'POST /packages/publish 503:2'")
	}
	f := legiontest.Fault{Method: strings.ToUpper(fields[0]), Path: fields[1]}
	if f.Method == "*" {
		f.Method = ""
	} else if strings.ContainsFunc(f.Method, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return legiontest.Fault{}, fmt.Errorf("method %q: want letters, or *", fields[0])
	}
	st, times, hasTimes := strings.Cut(fields[2], ":")
	var err error
	if f.Status, err = strconv.Atoi(st); err != nil {
		return legiontest.Fault{}, fmt.Errorf("status %q: not a number", st)
	}
	if hasTimes {
		if f.Times, err = strconv.Atoi(times); err != nil || f.Times < 1 {
			return legiontest.Fault{}, fmt.Errorf("times %q: want a positive integer", times)
		}
	}
	return f, checkFault(&f)
}

// checkFault validates f as legiontest.AddFault would (which panics), and
// trims a /api/v1 prefix from its path, which is relative to /api/v1.
func checkFault(f *legiontest.Fault) error {
	if f.Path == "*" {
		f.Path = "" // every path
	}
	if f.Path != "" {
		if p, ok := strings.CutPrefix(f.Path, legiontest.BasePath); ok && strings.HasPrefix(p, "/") {
			f.Path = p
		}
		if !strings.HasPrefix(f.Path, "/") {
			return fmt.Errorf("path %q: want a path below /api/v1 such as /packages/*", f.Path)
		}
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return fmt.Errorf("status %d: want 200-599 (or 0 to only add latency or headers)", f.Status)
	}
	if f.Times < 0 {
		return errors.New("times must not be negative")
	}
	if f.Latency < 0 {
		return errors.New("latency must not be negative")
	}
	if err := f.Validate(); err != nil {
		return err
	}
	for k := range f.Header {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") {
			return fmt.Errorf("header name %q is not valid", k)
		}
	}
	f.Header = canonicalHeader(f.Header)
	return nil
}

func canonicalHeader(h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out.Add(k, v)
		}
	}
	return out
}
