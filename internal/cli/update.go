package cli

import (
	"context"
)

var updateCmd = &command{
	name:    "update",
	args:    "[<pkg> ...]",
	summary: "update installed packages within legion.json's ranges",
	help: `Re-resolves the named packages (or, without arguments, every package) to
the highest versions that legion.json's ranges allow, ignoring what
legion.lock holds for them, and installs the result. legion.json is not
changed: to move past a range, install the package with a new one
('legion pkg install <pkg>@^2').`,
	run: (*app).runUpdate,
}

func (a *app) runUpdate(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	concurrency := fs.Int("concurrency", defaultConcurrency, "registry requests at a time")
	opts := installFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if *concurrency < 1 {
		return usagef("pkg update: --concurrency must be at least 1, not %d", *concurrency)
	}
	if err := opts.check("update"); err != nil {
		return err
	}
	for _, n := range pos {
		if err := checkPackageName(n); err != nil {
			return usagef("pkg update: %q: %v", n, err)
		}
	}
	return a.install(ctx, fs, installRun{concurrency: *concurrency, update: pos, updateAll: len(pos) == 0, installOptions: *opts})
}
