// Command dashboard prints the Legion registry's statistics and its top
// packages (read with AllPackages, page by page) as a table, or as JSON
// with -json.
//
//	go run ./examples/dashboard -top 20 -sort recent
//
// The registry is -registry, else $LEGION_REGISTRY, else the public one. It
// reads listings only, so it counts no downloads.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	legion "github.com/legion-registry/legion-go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Dashboard is what -json prints.
type Dashboard struct {
	Registry  string  `json:"registry"`
	Packages  int64   `json:"packages"`
	Users     int64   `json:"users"`
	Downloads int64   `json:"downloads"`
	Sort      string  `json:"sort"`
	Top       []Entry `json:"top"`
}

// Entry is one package of the top list.
type Entry struct {
	Rank      int       `json:"rank"`
	Name      string    `json:"name"`
	Latest    string    `json:"latest"`
	Author    string    `json:"author"`
	Downloads int64     `json:"downloads"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fl.SetOutput(stderr)
	registry := fl.String("registry", "", "registry base `URL` (default $LEGION_REGISTRY, then the public registry)")
	top := fl.Int("top", 10, "how many `packages` to list")
	sortBy := fl.String("sort", "downloads", "order of the list: downloads, recent, newest or name")
	asJSON := fl.Bool("json", false, "print JSON instead of a table")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fl.NArg() > 0:
		fmt.Fprintf(stderr, "dashboard: unexpected argument %q\n", fl.Arg(0))
		return 2
	case *top < 1:
		fmt.Fprintln(stderr, "dashboard: -top must be at least 1")
		return 2
	}
	sort := legion.Sort(*sortBy)
	switch sort {
	case legion.SortDownloads, legion.SortRecent, legion.SortNewest, legion.SortName:
	default:
		fmt.Fprintln(stderr, "dashboard: -sort must be downloads, recent, newest or name")
		return 2
	}

	base := *registry
	if base == "" {
		base = getenv("LEGION_REGISTRY")
	}
	if base == "" {
		base = legion.DefaultBaseURL
	}
	d, err := collect(ctx, base, sort, *top)
	if err != nil {
		fmt.Fprintln(stderr, "dashboard:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(d)
		return 0
	}
	printTable(stdout, d)
	return 0
}

func collect(ctx context.Context, base string, sort legion.Sort, top int) (*Dashboard, error) {
	c, err := legion.NewClient(legion.WithBaseURL(base), legion.WithUserAgent("legion-dashboard/1.0"))
	if err != nil {
		return nil, err
	}
	st, err := c.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	d := &Dashboard{Registry: base, Packages: st.Packages, Users: st.Users, Downloads: st.Downloads, Sort: string(sort), Top: []Entry{}}
	// Pages as large as the registry serves, no more than needed.
	opts := &legion.ListOptions{Sort: sort, Limit: min(top, legion.MaxLimit)}
	for p, err := range c.AllPackages(ctx, opts) {
		if err != nil {
			return nil, fmt.Errorf("packages: %w", err)
		}
		e := Entry{Rank: len(d.Top) + 1, Name: p.Name, Author: p.Author, Downloads: p.Downloads, UpdatedAt: p.UpdatedAt}
		if p.Latest != nil {
			e.Latest = p.Latest.String()
		}
		d.Top = append(d.Top, e)
		if len(d.Top) == top {
			break
		}
	}
	return d, nil
}

func printTable(w io.Writer, d *Dashboard) {
	fmt.Fprintf(w, "Legion registry %s\n", d.Registry)
	fmt.Fprintf(w, "%s packages · %s users · %s downloads\n\n", group(d.Packages), group(d.Users), group(d.Downloads))
	fmt.Fprintf(w, "Top %d by %s\n", len(d.Top), d.Sort)
	// Numbers right-aligned, text left-aligned.
	wRank, wDown := len("#"), len("DOWNLOADS")
	for _, e := range d.Top {
		wRank, wDown = max(wRank, len(fmt.Sprint(e.Rank))), max(wDown, len(group(e.Downloads)))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%*s\tPACKAGE\tLATEST\tAUTHOR\t%*s\tUPDATED\n", wRank, "#", wDown, "DOWNLOADS")
	for _, e := range d.Top {
		fmt.Fprintf(tw, "%*d\t%s\t%s\t%s\t%*s\t%s\n", wRank, e.Rank, e.Name, e.Latest, e.Author, wDown, group(e.Downloads), e.UpdatedAt.Format("2006-01-02"))
	}
	tw.Flush()
}

// group writes n with thousands separators: 23000 → 23,000.
func group(n int64) string {
	s := fmt.Sprint(n)
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
