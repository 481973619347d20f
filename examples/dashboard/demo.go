package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// demoSeed is a registry that looks lived in: a dozen authors, a few
// hundred packages with up to ten versions each published over two years,
// dependencies on older packages, downloads with a long tail, and a few
// advisories. It is the same on every run but for the dates, which end now.
func demoSeed(now time.Time) legiontest.Seed {
	rng := rand.New(rand.NewPCG(2026, 10))
	authors := []string{"ada", "brian", "chen", "dmitri", "esther", "farah", "goran", "hana", "ines", "jamal", "kenji", "lucia"}
	var seed legiontest.Seed
	for _, a := range authors {
		seed.Users = append(seed.Users, legiontest.SeedUser{Username: a, Email: a + "@example.com", Password: "demo-password-" + a, CreatedAt: now.AddDate(-2, 0, 0)})
	}
	topics := []string{"http", "json", "yaml", "log", "cache", "retry", "auth", "jwt", "csv", "sql", "queue", "cron", "mail", "image", "pdf", "metrics", "trace", "config", "cli", "test",
		"diff", "uuid", "color", "markdown", "router", "grpc", "s3", "zip", "hash", "date"}
	kinds := []string{"", "-client", "-server", "-utils", "-lite", "-core", "-parser", "-kit", "-mock", "-fast"}
	blurbs := map[string]string{"": "for Legion projects", "-client": "client with retries and timeouts", "-server": "server building blocks",
		"-utils": "small helpers", "-lite": "without dependencies", "-core": "core types and interfaces", "-parser": "streaming parser",
		"-kit": "batteries-included toolkit", "-mock": "fakes for tests", "-fast": "zero-allocation implementation"}
	start := now.AddDate(-2, 0, 0)
	var names []string
	for _, t := range topics {
		for _, k := range kinds {
			if len(names) > 0 && rng.IntN(10) < 1 {
				continue // not every combination exists
			}
			name := "legion-" + t + k
			names = append(names, name)
			p := legiontest.SeedPackage{
				Name: name, Owner: authors[rng.IntN(len(authors))],
				Description: t + " " + blurbs[k], License: []string{"MIT", "Apache-2.0", "BSD-3-Clause", "ISC"}[rng.IntN(4)],
				Keywords: []string{t, "legion"},
				Readme: "# " + name + "\n\nA " + t + " " + blurbs[k] + ".\n\n## Install\n\n```\nlegion pkg install " + name + "\n```\n\n" +
					"## Use\n\n- Import it and call **New**.\n- Read the `Options` for timeouts and limits.\n\nIssues go to [the tracker](https://example.com/" + name + "/issues).\n",
				// A long tail: a few packages take most downloads.
				Downloads: int64(200_000 / (1 + rng.Float64()*rng.Float64()*400)),
			}
			born := start.Add(time.Duration(rng.Int64N(int64(20 * 30 * 24 * time.Hour))))
			at := born
			major, minor, patch := rng.IntN(3), 1+rng.IntN(3), 0
			for v := range 1 + rng.IntN(10) {
				switch r := rng.IntN(10); {
				case v == 0:
				case r == 0:
					major, minor, patch = major+1, 0, 0
				case r < 4:
					minor, patch = minor+1, 0
				default:
					patch++
				}
				deps := map[string]string{}
				for range rng.IntN(4) {
					if len(names) > 1 {
						d := names[rng.IntN(len(names)-1)]
						deps[d] = []string{"^1.0.0", "~1.2", ">=0.3.0", "^2.0.0", "*"}[rng.IntN(5)]
					}
				}
				p.Versions = append(p.Versions, legiontest.SeedVersion{Version: fmt.Sprintf("%d.%d.%d", major, minor, patch), PublishedAt: at, Dependencies: deps})
				at = at.Add(time.Duration(1+rng.IntN(40)) * 24 * time.Hour)
				if at.After(now) {
					break
				}
			}
			seed.Packages = append(seed.Packages, p)
		}
	}
	// Advisories against a few of the older versions of popular packages.
	byDownloads := slices.Clone(seed.Packages)
	slices.SortFunc(byDownloads, func(a, b legiontest.SeedPackage) int { return int(b.Downloads - a.Downloads) })
	sev := []legion.Severity{legion.SeverityCritical, legion.SeverityHigh, legion.SeverityModerate, legion.SeverityLow}
	titles := []string{"Header injection through unescaped names", "Denial of service on deeply nested input", "Token written to debug logs", "Path traversal in archive extraction", "Timing leak in signature check", "Unbounded memory on large bodies"}
	for i, p := range byDownloads[:len(titles)*2] {
		if i%2 == 1 || len(p.Versions) < 2 {
			continue
		}
		affected := "<" + p.Versions[len(p.Versions)/2].Version
		if i == 4 {
			affected = ">=" + p.Versions[0].Version // not fixed yet
		}
		seed.Advisories = append(seed.Advisories, legiontest.SeedAdvisory{
			Package: p.Name, Affected: affected, Severity: sev[i%len(sev)], Title: titles[i/2],
		})
	}
	return seed
}
