package cli

import (
	"fmt"
	"io"
	"time"
)

// installOptions are the flags install and update share beyond
// --concurrency: how to use the network, and how much to print.
type installOptions struct {
	offline       bool // never contact the registry
	preferOffline bool // version lists from the cache when it has them
	dryRun        bool // say what would change, write nothing
	verbose       bool // one line per package changed
	quiet         bool // errors only
}

func installFlags(fs *flagSet) *installOptions {
	o := &installOptions{}
	fs.BoolVar(&o.offline, "offline", false, "never contact the registry: install from the cache (a missing entry fails, naming it)")
	fs.BoolVar(&o.preferOffline, "prefer-offline", false, "use cached version lists when present, however old (the registry is asked when they cannot satisfy legion.json)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would change (added, updated, removed) and write nothing")
	fs.BoolVar(&o.verbose, "verbose", false, "list every package added, updated or removed")
	fs.BoolVar(&o.quiet, "quiet", false, "print errors only")
	return o
}

func (o *installOptions) check(cmd string) error {
	switch {
	case o.verbose && o.quiet:
		return usagef("pkg %s: --verbose and --quiet contradict each other", cmd)
	case o.offline && o.preferOffline:
		return usagef("pkg %s: --offline and --prefer-offline contradict each other (--offline already uses only the cache)", cmd)
	}
	return nil
}

func (o *installOptions) netMode() netMode {
	switch {
	case o.offline:
		return offline
	case o.preferOffline:
		return preferOffline
	}
	return online
}

func (a *app) printChange(fs *flagSet, o installOptions, change *projectChange, started time.Time) error {
	change.DryRun = o.dryRun
	switch {
	case fs.json:
		return writeJSON(a.stdout, change)
	case o.quiet:
		return nil
	}
	change.print(a.stdout, o.verbose || o.dryRun, time.Since(started))
	return nil
}

// print shows the change to a person: with every, one line per package
// added, updated or removed; always the packages repaired and a summary
// ("added 200 packages in 1.4s").
func (c *projectChange) print(w io.Writer, every bool, elapsed time.Duration) {
	if every {
		for _, p := range c.Added {
			fmt.Fprintf(w, "+ %s@%s\n", p.Name, p.Version)
		}
		for _, p := range c.Updated {
			fmt.Fprintf(w, "~ %s %s → %s\n", p.Name, p.From, p.To)
		}
		for _, p := range c.Removed {
			fmt.Fprintf(w, "- %s@%s\n", p.Name, p.Version)
		}
	}
	verb := ""
	if c.DryRun {
		verb = "would be "
	}
	for _, p := range c.Repaired {
		fmt.Fprintf(w, "! %s@%s: its files did not match %s; %sreplaced\n", p.Name, p.Version, lockFile, verb)
	}
	fmt.Fprintln(w, c.summary(elapsed))
}

func (c *projectChange) summary(elapsed time.Duration) string {
	var s string
	for _, part := range []struct {
		verb string
		n    int
	}{{"added", len(c.Added)}, {"updated", len(c.Updated)}, {"removed", len(c.Removed)}, {"repaired", len(c.Repaired)}} {
		if part.n == 0 {
			continue
		}
		if s != "" {
			s += ", "
		}
		s += part.verb + " " + plural(part.n, "package")
	}
	switch {
	case s == "" && c.DryRun:
		return fmt.Sprintf("up to date, %s installed (dry run)", plural(c.Packages, "package"))
	case s == "":
		return fmt.Sprintf("up to date, %s installed", plural(c.Packages, "package"))
	case c.DryRun:
		return "dry run, nothing written: would have " + s
	}
	return fmt.Sprintf("%s in %.1fs", s, elapsed.Seconds())
}
