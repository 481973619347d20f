// Command quickstart walks through a session with the Legion registry using
// the SDK: sign up, publish two versions, search, look a package up, list
// its versions, download the latest, manage tokens, audit dependencies,
// read the registry's stats, and handle a conflict with errors.Is.
//
//	go run ./examples/quickstart
//
// Without LEGION_REGISTRY it starts the fake registry (legiontest) on
// loopback, seeded with other users' packages and one advisory. With
// LEGION_REGISTRY (a base URL ending in /api/v1) and LEGION_TOKEN it runs
// against that registry instead: no sign-up, a package name of its own, and
// the package is unpublished at the end.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the whole walk-through; it returns the first unexpected error.
func run(ctx context.Context, out io.Writer, getenv func(string) string) (err error) {
	p := &printer{w: out}
	baseURL, token := getenv("LEGION_REGISTRY"), getenv("LEGION_TOKEN")
	live := baseURL != ""
	if live && token == "" {
		return errors.New("LEGION_REGISTRY is set but LEGION_TOKEN is not: set both to use a real registry, or neither for the embedded fake")
	}
	if !live {
		var stop func()
		if baseURL, stop, err = startFake(); err != nil {
			return fmt.Errorf("starting the fake registry: %w", err)
		}
		defer stop()
		p.title("Legion quickstart: %s (embedded fake registry, seeded with bob's and carol's packages)", baseURL)
	} else {
		p.title("Legion quickstart: %s", baseURL)
	}

	anon, err := legion.NewClient(legion.WithBaseURL(baseURL), legion.WithUserAgent("legion-quickstart/1.0"))
	if err != nil {
		return err
	}

	// 1. An identity: sign up on the fake, or use LEGION_TOKEN.
	var c *legion.Client
	pkg := "legion-greeter"
	if !live {
		p.step("Sign up")
		s, err := anon.Signup(ctx, legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret("hunter2xx")})
		if err != nil {
			return fmt.Errorf("signup: %w", err)
		}
		p.say("signed up as %s <%s>", s.User.Username, s.User.Email)
		p.say("token: %v  (a legion.Secret prints redacted; Reveal() gives the value)", s.Token)
		if c, err = anon.With(legion.WithToken(s.Token.Reveal())); err != nil {
			return err
		}
	} else {
		p.step("Who am I (LEGION_TOKEN; no sign-up against a real registry)")
		if c, err = anon.With(legion.WithToken(token)); err != nil {
			return fmt.Errorf("LEGION_TOKEN: %w", err)
		}
		me, err := c.Me(ctx)
		if err != nil {
			return fmt.Errorf("me: %w", err)
		}
		p.say("authenticated as %s", me.Username)
		pkg = "quickstart-" + me.Username + "-" + suffix()
		defer func() {
			// Leave the real registry as we found it.
			if uerr := c.Unpublish(context.WithoutCancel(ctx), pkg); uerr != nil && !errors.Is(uerr, legion.ErrNotFound) {
				err = errors.Join(err, fmt.Errorf("cleanup: unpublish %s: %w", pkg, uerr))
			} else if uerr == nil {
				fmt.Fprintf(out, "cleanup: unpublished %s\n", pkg)
			}
		}()
	}

	// 2. Publish two versions.
	p.step("Publish two versions of %s", pkg)
	deps := map[string]string{"legion-http": "^1.0.0", "legion-json": "^2.0.0"}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		pv, err := c.Publish(ctx, legion.PublishRequest{
			Name: pkg, Version: v, License: "MIT",
			Description:  "Says hello, over HTTP",
			Keywords:     []string{"greeting", "http", "example"},
			Readme:       "# " + pkg + "\n\nA friendly example package.",
			Dependencies: deps,
		})
		if err != nil {
			return fmt.Errorf("publish %s@%s: %w", pkg, v, err)
		}
		p.say("published %s@%s at %s", pv.Name, pv.Version, pv.PublishedAt.Format(time.RFC3339))
	}

	// 3. Publishing a version again is a conflict, told apart with errors.Is.
	p.step("Publish %s@1.0.0 again: handling legion.ErrConflict", pkg)
	_, err = c.Publish(ctx, legion.PublishRequest{Name: pkg, Version: "1.0.0"})
	switch {
	case errors.Is(err, legion.ErrConflict):
		var le *legion.Error
		errors.As(err, &le)
		p.say("errors.Is(err, legion.ErrConflict) = true: %d %q; nothing to do", le.StatusCode, le.Message)
	case err == nil:
		return errors.New("publishing 1.0.0 twice succeeded; the registry should answer 409")
	default:
		return fmt.Errorf("publish again: %w", err)
	}

	// 4. Search.
	p.step("Search \"http\" (limit 10)")
	res, err := c.Search(ctx, "http", &legion.SearchOptions{Limit: 10})
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	p.say("%d result(s), best first:", res.Total)
	tw := p.table()
	fmt.Fprintln(tw, "   \tNAME\tLATEST\tAUTHOR\tSCORE\tDESCRIPTION")
	for _, r := range res.Results {
		fmt.Fprintf(tw, "   \t%s\t%s\t%s\t%g\t%s\n", r.Name, r.Latest, r.Author, r.Score, r.Description)
	}
	tw.Flush()

	// 5. Package info (counts a download).
	p.step("Info: GetPackage(%q) (the registry counts this as a download)", pkg)
	info, err := c.GetPackage(ctx, pkg)
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	p.say("%s %s by %s, %s, %d download(s)", info.Name, info.Latest, info.Author, info.License, info.Downloads)
	p.say("description: %s", info.Description)
	p.say("keywords: %s", strings.Join(info.Keywords, ", "))
	p.say("dependencies: %s", formatDeps(info.Dependencies))

	// 6. Versions.
	p.step("Versions of %s", pkg)
	vs, err := c.ListVersions(ctx, pkg)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	for _, v := range vs {
		p.say("%-8s published %s", v.Version, v.PublishedAt.Format(time.RFC3339))
	}

	// 7. Download metadata of the latest version.
	p.step("Download %s@latest", pkg)
	dl, err := c.Download(ctx, pkg, legion.Latest)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	p.say("latest is %s@%s; readme starts %q", dl.Name, dl.Version, firstLine(dl.Readme))

	// 8. Tokens: create a read-only CI token, list, revoke.
	p.step("Tokens: create, list, revoke")
	ci, err := c.CreateToken(ctx, legion.CreateTokenRequest{Name: "quickstart CI", Scopes: []legion.Scope{legion.ScopeRead}})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	p.say("created %q (id %s, scopes %v); its value is shown once: %v (store ci.Value.Reveal())", ci.Name, ci.ID, ci.Scopes, ci.Value)
	toks, err := c.ListTokens(ctx)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	tw = p.table()
	fmt.Fprintln(tw, "   \tID\tPREFIX\tNAME\tSCOPES")
	for _, t := range toks {
		fmt.Fprintf(tw, "   \t%s\t%s…\t%s\t%v\n", t.ID, t.Prefix, t.Name, t.Scopes)
	}
	tw.Flush()
	if err := c.RevokeToken(ctx, ci.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	revoked, err := anon.With(legion.WithToken(ci.Value.Reveal()))
	if err != nil {
		return err
	}
	if _, err := revoked.Me(ctx); !errors.Is(err, legion.ErrUnauthorized) {
		return fmt.Errorf("a revoked token should be refused with 401, got %v", err)
	}
	p.say("revoked %s; using it now gets legion.ErrUnauthorized (401)", ci.ID)

	// 9. Audit the package's dependencies.
	p.step("Audit %s", formatDeps(deps))
	rep, err := c.Audit(ctx, deps)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	p.say("scanned %d dependencies: %d advisory(ies), clean=%v", rep.Scanned, len(rep.Advisories), rep.Clean)
	for _, a := range rep.Advisories {
		p.say("  [%s] %s %s: %s (affected %s; your range %s admits %s)",
			strings.ToUpper(string(a.Severity)), a.ID, a.Package, a.Title, a.Affected, a.Range, strings.Join(a.Versions, ", "))
	}
	for _, pr := range rep.Problems {
		p.say("  problem: %s %s: %s", pr.Package, pr.Range, pr.Problem)
	}

	// 10. Registry stats.
	p.step("Stats")
	st, err := c.Stats(ctx)
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	p.say("%d packages, %d users, %d downloads; most popular:", st.Packages, st.Users, st.Downloads)
	tw = p.table()
	for i, pp := range st.Popular[:min(5, len(st.Popular))] {
		unit := "downloads"
		if pp.Downloads == 1 {
			unit = "download"
		}
		fmt.Fprintf(tw, "   \t%d.\t%s\t%s\t%d %s\n", i+1, pp.Name, pp.Latest, pp.Downloads, unit)
	}
	tw.Flush()
	fmt.Fprintln(out, "\ndone.")
	return nil
}

// startFake serves a seeded legiontest registry on loopback and returns its
// base URL and a function that shuts it down.
func startFake() (string, func(), error) {
	reg, err := legiontest.NewRegistry(legiontest.WithSeed(seed()))
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String() + legiontest.BasePath, stop, nil
}

// seed is what the fake holds before the walk-through: two other users'
// packages and one advisory, so that search and audit have something to
// find.
func seed() legiontest.Seed {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	return legiontest.Seed{
		Users: []legiontest.SeedUser{
			{Username: "bob", Email: "bob@example.com", Password: "bobsecret1"},
			{Username: "carol", Email: "carol@example.com", Password: "carolsecret1"},
		},
		Packages: []legiontest.SeedPackage{
			{Name: "legion-http", Owner: "bob", Description: "HTTP client with retries", License: "MIT",
				Keywords: []string{"http", "client"}, Downloads: 1200,
				Versions: []legiontest.SeedVersion{{Version: "1.0.0", PublishedAt: day(2)}, {Version: "1.2.0", PublishedAt: day(9)}, {Version: "1.2.1", PublishedAt: day(20)}}},
			{Name: "legion-json", Owner: "carol", Description: "Fast JSON encoding", License: "Apache-2.0",
				Keywords: []string{"json"}, Downloads: 800,
				Versions: []legiontest.SeedVersion{{Version: "2.0.0", PublishedAt: day(3)}, {Version: "2.1.0", PublishedAt: day(15)}}},
			{Name: "legion-router", Owner: "carol", Description: "HTTP request router", License: "MIT",
				Keywords: []string{"http", "router"}, Downloads: 300,
				Versions: []legiontest.SeedVersion{{Version: "0.9.0", PublishedAt: day(5)}}},
		},
		Advisories: []legiontest.SeedAdvisory{
			{Package: "legion-http", Affected: "<1.2.1", Severity: legion.SeverityHigh,
				Title: "Response splitting in header parsing", URL: "https://example.com/advisories/legion-http-1"},
		},
	}
}

type printer struct {
	w io.Writer
	n int
}

func (p *printer) title(format string, a ...any) { fmt.Fprintf(p.w, format+"\n", a...) }

func (p *printer) step(format string, a ...any) {
	p.n++
	fmt.Fprintf(p.w, "\n%d. %s\n", p.n, fmt.Sprintf(format, a...))
}

func (p *printer) say(format string, a ...any) { fmt.Fprintf(p.w, "   "+format+"\n", a...) }

func (p *printer) table() *tabwriter.Writer { return tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0) }

func formatDeps(deps map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(deps)) {
		parts = append(parts, k+" "+deps[k])
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// suffix makes a package name unique on a shared registry.
func suffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
