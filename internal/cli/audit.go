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
do not fail the audit. With --json, each advisory carries "installed" and
"failsGate" (installed and at or above --level: what makes the audit exit
7), the report "level", "failing" (how many fail the gate) and, when the
audit fails, "error".

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
		problems, err := moduleProblems(a.env.Dir, installedLock)
		if err != nil {
			return wrap(err, "audit")
		}
		if len(problems) > 0 {
			described := make([]string, len(problems))
			for i, p := range problems {
				described[i] = p.String()
			}
			return wrap(fmt.Errorf("%w: %s (run 'legion pkg install --frozen' to install what %s names)",
				errModulesDisagree, strings.Join(described, "; "), lockFile), "audit")
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
	out := &auditOutput{Advisories: []auditAdvisory{}, Problems: report.Problems, Scanned: report.Scanned, Clean: report.Clean, Level: *level}
	for _, adv := range report.Advisories {
		fails := rank(adv.Severity) >= min && installed[adv.Package]
		out.Advisories = append(out.Advisories, auditAdvisory{adv, installed[adv.Package], fails})
		if fails {
			out.Failing++
		}
	}
	var gateErr error
	if out.Failing > 0 {
		gateErr = wrap(fmt.Errorf("%w: %s at or above %s", ErrAdvisories, plural(out.Failing, "advisory"), *level), "audit")
	}
	if fs.json {
		out.Error = newJSONError(gateErr, ExitCode(gateErr))
		if err := writeJSON(a.stdout, out); err != nil {
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
	return gateErr
}

// auditOutput is `audit --json`: the registry's report, each advisory
// marked with whether it fails the gate at --level, and the gate's error.
type auditOutput struct {
	Advisories []auditAdvisory       `json:"advisories"`
	Problems   []legion.AuditProblem `json:"problems,omitempty"`
	Scanned    int                   `json:"scanned"`
	Clean      bool                  `json:"clean"` // no advisories and no problems
	Level      string                `json:"level"`
	Failing    int                   `json:"failing"` // advisories with failsGate
	Error      *jsonError            `json:"error,omitempty"`
}

type auditAdvisory struct {
	legion.Advisory
	// Installed: the package is audited at its installed version (not by
	// its range, as a dependency not installed yet is).
	Installed bool `json:"installed"`
	// FailsGate: at or above --level and installed; the audit exits 7.
	FailsGate bool `json:"failsGate"`
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
