package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

var auditCmd = &command{
	name:    "audit",
	args:    "",
	summary: "check dependencies against the registry's advisories",
	help: `Sends every package legion.lock installs, direct dependencies included,
each at its locked version, to the registry's audit endpoint and lists the
advisories that affect those versions. A dependency of legion.json that is
not installed yet is checked by its range; its advisories are listed but
do not fail the audit.

Exits 7 when an advisory at or above --level affects an installed version,
so CI can gate on it; dependencies the registry could not check are listed
but do not fail.

It audits what is installed: when legion_modules exists and does not match
legion.lock (a package missing, at another version, modified, or not in
the lock), it says so and exits 1 instead of auditing the lock alone.
Without legion_modules it audits legion.lock.`,
	run: (*app).runAudit,
}

// errModulesDisagree marks an audit refused because legion_modules is not
// what legion.lock names.
var errModulesDisagree = errors.New(modulesDir + " does not match " + lockFile)

var severityRank = map[legion.Severity]int{
	legion.SeverityLow:      1,
	legion.SeverityModerate: 2,
	legion.SeverityHigh:     3,
	legion.SeverityCritical: 4,
}

// rank orders severities; one the CLI does not know counts as critical,
// so that a new grade never slips through a gate.
func rank(s legion.Severity) int {
	if r, ok := severityRank[legion.Severity(strings.ToLower(string(s)))]; ok {
		return r
	}
	return 4
}

func (a *app) runAudit(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	level := fs.String("level", "low", "lowest `severity` that fails the audit: low, moderate, high or critical")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg audit takes no arguments (it audits the project in the current directory)")
	}
	min, ok := severityRank[legion.Severity(*level)]
	if !ok {
		return usagef("pkg audit: --level must be low, moderate, high or critical, not %q", *level)
	}
	m, _, err := readManifest(a.env.Dir)
	if err != nil {
		return wrap(err, "audit")
	}
	if err := m.checkDependencies(); err != nil {
		return wrap(err, "audit: %s", manifestFile)
	}
	lock, _, err := readLock(a.env.Dir)
	if err != nil {
		return wrap(err, "audit")
	}
	// What is audited is what is installed: when legion_modules exists and
	// does not match the lock (a killed run, a hand edit), the lock would
	// not say what is there.
	if _, err := os.Stat(filepath.Join(a.env.Dir, modulesDir)); err == nil {
		installedLock := lock
		if installedLock == nil {
			installedLock = &Lock{Packages: map[string]LockedPackage{}}
		}
		problems, err := modulesDisagree(a.env.Dir, installedLock)
		if err != nil {
			return wrap(err, "audit")
		}
		if len(problems) > 0 {
			return wrap(fmt.Errorf("%w: %s (run 'legion pkg install --frozen' to install what %s names)",
				errModulesDisagree, strings.Join(problems, "; "), lockFile), "audit")
		}
	}
	// Each package at the version installed: the lock's. Only what is not
	// installed yet goes by its range.
	deps := map[string]string{}
	installed := map[string]bool{}
	for name, p := range lock.prune(m.Dependencies).Packages {
		deps[name], installed[name] = p.Version, true
	}
	for name, r := range m.Dependencies {
		if !installed[name] {
			deps[name] = r
		}
	}
	report := &legion.AuditReport{Advisories: []legion.Advisory{}, Clean: true}
	if len(deps) > 0 {
		c, _, err := a.client(fs.registry, false)
		if err != nil {
			return wrap(err, "audit")
		}
		if report, err = c.Audit(ctx, deps); err != nil {
			return wrap(err, "audit")
		}
		if report.Advisories == nil {
			report.Advisories = []legion.Advisory{}
		}
	}
	slices.SortStableFunc(report.Advisories, func(x, y legion.Advisory) int {
		if d := rank(y.Severity) - rank(x.Severity); d != 0 {
			return d
		}
		return strings.Compare(x.Package, y.Package)
	})
	failing := 0
	for _, adv := range report.Advisories {
		if rank(adv.Severity) >= min && installed[adv.Package] {
			failing++
		}
	}
	if fs.json {
		if err := writeJSON(a.stdout, report); err != nil {
			return err
		}
	} else {
		a.printAudit(report, len(deps))
		var notInstalled []string
		for _, name := range slices.Sorted(maps.Keys(deps)) {
			if !installed[name] {
				notInstalled = append(notInstalled, name)
			}
		}
		if len(notInstalled) > 0 {
			fmt.Fprintf(a.stdout, "not installed, checked by range (does not fail the audit): %s\n", strings.Join(notInstalled, ", "))
		}
	}
	if failing > 0 {
		return wrap(fmt.Errorf("%w: %s at or above %s", ErrAdvisories, plural(failing, "advisory"), *level), "audit")
	}
	return nil
}

func (a *app) printAudit(r *legion.AuditReport, sent int) {
	w := a.stdout
	scanned := r.Scanned
	if scanned == 0 {
		scanned = sent
	}
	if len(r.Advisories) > 0 {
		t := newTable(w, "SEVERITY", "PACKAGE", "RANGE", "AFFECTED", "ADVISORY", "TITLE")
		for _, adv := range r.Advisories {
			t.row(string(adv.Severity), adv.Package, adv.Range, adv.Affected, adv.ID, truncate(adv.Title, 60))
		}
		t.flush()
		fmt.Fprintln(w)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "Not checked:")
		t := newTable(w)
		for _, p := range r.Problems {
			t.row("  "+p.Package, p.Range, p.Problem)
		}
		t.flush()
		fmt.Fprintln(w)
	}
	if len(r.Advisories) == 0 {
		fmt.Fprintf(w, "no advisories in %s scanned\n", plural(scanned, "dependency"))
		return
	}
	counts := map[string]int{}
	for _, adv := range r.Advisories {
		counts[string(adv.Severity)]++
	}
	var parts []string
	for _, s := range []string{"critical", "high", "moderate", "low"} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
			delete(counts, s)
		}
	}
	for _, s := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	fmt.Fprintf(w, "%s (%s) in %s scanned\n", plural(len(r.Advisories), "advisory"), strings.Join(parts, ", "), plural(scanned, "dependency"))
}
