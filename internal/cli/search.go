package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

var searchCmd = &command{
	name:    "search",
	args:    "<query>",
	summary: "search the registry",
	help: `Searches package names, descriptions, keywords and authors; best match
first. Searching does not count downloads.`,
	run: (*app).runSearch,
}

func (a *app) runSearch(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	limit := fs.Int("limit", 20, "show at most `n` results (1-100)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return usagef("pkg search needs a query")
	}
	if *limit < 1 || *limit > legion.MaxLimit {
		return usagef("pkg search: --limit must be between 1 and %d", legion.MaxLimit)
	}
	c, _, err := a.client(fs.registry, false)
	if err != nil {
		return wrap(err, "search")
	}
	res, err := c.Search(ctx, query, &legion.SearchOptions{Limit: *limit})
	if err != nil {
		return wrap(err, "search %q", query)
	}
	if res.Results == nil {
		res.Results = []legion.Package{}
	}
	if fs.json {
		return writeJSON(a.stdout, res)
	}
	if len(res.Results) == 0 {
		fmt.Fprintf(a.stdout, "no packages match %q\n", query)
		return nil
	}
	t := newTable(a.stdout, "NAME", "VERSION", "AUTHOR", "DOWNLOADS", "DESCRIPTION")
	for _, p := range res.Results {
		version := ""
		if p.Latest != nil {
			version = p.Latest.Original()
		}
		t.row(p.Name, version, p.Author, strconv.FormatInt(p.Downloads, 10), truncate(p.Description, 60))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if res.Total > len(res.Results) {
		fmt.Fprintf(a.stdout, "showing %d of %d (--limit N for more)\n", len(res.Results), res.Total)
	}
	return nil
}
