package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/legion-registry/legion-go/legiontest"
)

// shutdownTimeout bounds how long a shutdown waits for requests in flight
// (a fault's latency, say) before cutting them off.
const shutdownTimeout = 5 * time.Second

// run is the whole command: it returns the exit status (0, 1 for a failure
// at run time, 2 for bad flags) once ctx is cancelled and the server has
// shut down and saved its state.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "legion-registry: "+format+"\n", a...) }

	reg, loaded, err := newRegistry(cfg, logf)
	if err != nil {
		logf("%v", err)
		return 1
	}
	faults := newFaultTable(reg)
	for _, f := range cfg.faults {
		id := faults.add(f)
		logf("fault %s: %s", id, describeFault(f))
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		logf("%v", err)
		return 1
	}
	tcp := ln.Addr().(*net.TCPAddr)
	adminOn := tcp.IP.IsLoopback()
	if cfg.admin != nil {
		adminOn = *cfg.admin
	}
	if adminOn && !tcp.IP.IsLoopback() {
		logf("warning: the admin routes have no authentication and %s is not a loopback address", tcp)
	}
	root := baseURL(cfg.addr, tcp)
	if cfg.tls {
		host, _, _ := net.SplitHostPort(cfg.addr)
		cert, certPEM, err := selfSigned(host)
		if err != nil {
			ln.Close()
			logf("-tls: %v", err)
			return 1
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		root = "https" + strings.TrimPrefix(root, "http")
		logf("-tls: a certificate for this run (%s); trust it to connect:\n%s", fingerprint(cert.Certificate[0]), certPEM)
	}
	if cfg.stateFile != "" {
		// Write once now (or, when the state came from the file, check
		// that its directory takes a new file), so that a path that cannot
		// be written fails at start rather than at shutdown, when the state
		// would be lost.
		err := checkWritable(cfg.stateFile)
		if loaded == nil && err == nil {
			err = saveState(reg, cfg.stateFile)
		}
		if err != nil {
			ln.Close()
			logf("%v", err)
			return 1
		}
	}

	var h http.Handler = reg
	if adminOn {
		h = withAdmin(reg, newAdmin(reg, faults, reg.Checkpoint()))
	}
	h = withDocument(h)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// The registry bounds an API request's body itself (-body-timeout,
		// a JSON 408); ReadTimeout bounds the admin routes' bodies and
		// IdleTimeout keep-alive connections left open.
		ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    log.New(stderr, "legion-registry: http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintln(stdout, root+legiontest.BasePath)
	if adminOn {
		logf("admin routes at %s/_admin/ (no authentication)", root)
	}

	status := 0
	select {
	case <-ctx.Done():
		logf("shutting down")
	case err := <-served:
		logf("%v", err)
		status = 1
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logf("shutdown: %v; closing the remaining connections", err)
		srv.Close()
	}
	if cfg.stateFile != "" {
		if err := saveState(reg, cfg.stateFile); err != nil {
			logf("%v", err)
			return 1
		}
		logf("state saved to %s", cfg.stateFile)
	}
	return status
}

// newRegistry builds the registry: from the -state file when it exists
// (loaded is then its content), else from the -seed file.
func newRegistry(cfg *config, logf func(string, ...any)) (reg *legiontest.Registry, loaded []byte, err error) {
	opts := []legiontest.Option{legiontest.WithBodyTimeout(cfg.bodyTO)}
	if cfg.stateFile != "" {
		// The state file keeps password hashes on disk: make them costly
		// to attack. Without -state nothing is kept, and hashing is cheap.
		opts = append(opts, legiontest.WithPasswordIterations(legiontest.StrongPasswordIterations))
	}
	if cfg.tokenSeed != nil {
		opts = append(opts, legiontest.WithTokenSeed(*cfg.tokenSeed))
	}
	if cfg.rateN > 0 {
		opts = append(opts, legiontest.WithRateLimit(cfg.rateN, cfg.rateWindow, cfg.rateBy))
	}
	reg, err = legiontest.NewRegistry(opts...)
	if err != nil {
		return nil, nil, err
	}
	if cfg.stateFile != "" {
		data, err := os.ReadFile(cfg.stateFile)
		switch {
		case err == nil:
			if err := reg.Restore(data); err != nil {
				return nil, nil, fmt.Errorf("-state %s: %w", cfg.stateFile, err)
			}
			if cfg.seedFile != "" {
				logf("-state %s exists: -seed %s is not loaded", cfg.stateFile, cfg.seedFile)
			}
			return reg, data, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("-state: %w", err)
		}
	}
	if cfg.seedFile != "" {
		seed, err := legiontest.LoadSeed(cfg.seedFile)
		if err != nil {
			return nil, nil, fmt.Errorf("-seed: %w", err)
		}
		if err := reg.Seed(seed); err != nil {
			return nil, nil, fmt.Errorf("-seed %s: %w", cfg.seedFile, err)
		}
	}
	return reg, nil, nil
}

// baseURL is http://host:port for the listener, with a loopback host in
// place of an unspecified one: ":0" listens everywhere, and clients on this
// machine reach it on loopback.
func baseURL(addr string, a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
		if h, _, _ := net.SplitHostPort(addr); strings.Contains(h, ":") {
			host = "::1" // asked for [::]
		}
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// withAdmin routes /_admin/… to admin and everything else to the registry
// untouched (no ServeMux in front of it: it would clean and redirect paths
// the registry answers itself).
func withAdmin(reg, admin http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_admin" || strings.HasPrefix(r.URL.Path, "/_admin/") {
			admin.ServeHTTP(w, r)
			return
		}
		reg.ServeHTTP(w, r)
	})
}

func describeFault(f legiontest.Fault) string {
	m, p := f.Method, f.Path
	if m == "" {
		m = "*"
	}
	if p == "" {
		p = "*"
	}
	s := fmt.Sprintf("%s %s → %d", m, p, f.Status)
	switch f.Disconnect {
	case legiontest.ResetConnection:
		s = fmt.Sprintf("%s %s → connection reset", m, p)
	case legiontest.CloseMidBody:
		s += " closed mid-body"
	}
	if len(f.Query) > 0 {
		s += fmt.Sprintf(" query %v", f.Query)
	}
	if len(f.BodyField) > 0 {
		s += fmt.Sprintf(" body %v", f.BodyField)
	}
	if f.Skip > 0 {
		s += fmt.Sprintf(" (after %d)", f.Skip)
	}
	if f.Times > 0 {
		s += fmt.Sprintf(" (%d times)", f.Times)
	}
	if f.Latency > 0 {
		s += fmt.Sprintf(" after %s", f.Latency)
	}
	return s
}
