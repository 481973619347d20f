package cli

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

var cacheCmd = &command{
	name:    "cache",
	args:    "verify | clean",
	summary: "check or empty the shared cache of package contents",
	help: `The cache holds, for every project of the user, the contents of the
package versions installed (keyed by their integrity, as legion.lock
records it) and the version lists last fetched (with the time they were
fetched). It lives in legion/ under the user cache directory
(~/.cache/legion on Linux); LEGION_CACHE moves it. A version whose
integrity is in the cache installs with no request, which is what lets
'install --offline' and an install with the registry down work.

'cache verify' hashes every entry and removes those whose files do not
match their key (an install would discard them anyway, and fetch them
again). 'cache clean' removes every entry and version list. Only what legion
wrote is touched: a LEGION_CACHE that holds other files keeps them.`,
	run: (*app).runCache,
}

// cacheReport is what cache verify and clean say (and their JSON).
type cacheReport struct {
	Dir      string   `json:"dir"`
	Entries  int      `json:"entries"`  // content entries checked (verify) or removed (clean)
	Lists    int      `json:"lists"`    // version lists
	Bytes    int64    `json:"bytes"`    // size of the entries checked or removed
	Damaged  []string `json:"damaged"`  // entries removed by verify
	Problems []string `json:"problems"` // what could not be read
}

func (a *app) runCache(ctx context.Context, fs *flagSet, args []string) error {
	fs.withJSON()
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "verify" && pos[0] != "clean") {
		return usagef("pkg cache takes one of: verify, clean")
	}
	dir, err := a.cacheDir()
	if err != nil {
		return wrap(err, "cache")
	}
	c := &contentCache{dir: dir}
	rep := &cacheReport{Dir: dir, Damaged: []string{}, Problems: []string{}}
	if err := c.walk(ctx, pos[0] == "clean", rep); err != nil {
		return wrap(err, "cache %s", pos[0])
	}
	if fs.json {
		return writeJSON(a.stdout, rep)
	}
	switch pos[0] {
	case "verify":
		fmt.Fprintf(a.stdout, "%s (%s) and %s checked in %s\n", plural(rep.Entries, "entry"), formatBytes(rep.Bytes), plural(rep.Lists, "version list"), dir)
		for _, d := range rep.Damaged {
			fmt.Fprintf(a.stdout, "removed damaged %s\n", d)
		}
	case "clean":
		fmt.Fprintf(a.stdout, "removed %s (%s) and %s from %s\n", plural(rep.Entries, "entry"), formatBytes(rep.Bytes), plural(rep.Lists, "version list"), dir)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(a.stderr, "legion: cache: %s\n", p)
	}
	return nil
}

// walk checks (or, with clean, removes) every entry, version list and
// index record. Only what legion wrote is touched: content/sha512/<hex>/
// entries named by a sha512, versions/<pkg>.json files holding a version
// list legion stored, index/<pkg>@<version> files holding an integrity.
// LEGION_CACHE may name a directory that holds other things too ($HOME),
// and those are never removed, whatever their names.
func (c *contentCache) walk(ctx context.Context, clean bool, rep *cacheReport) error {
	root := filepath.Join(c.dir, "content", "sha512")
	shards, err := os.ReadDir(root)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, shard := range shards {
		if len(shard.Name()) != 2 || !shard.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(root, shard.Name()))
		if err != nil {
			rep.Problems = append(rep.Problems, err.Error())
			continue
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			sri := keyOf(shard.Name() + e.Name())
			if sri == "" {
				continue // not an entry: another process's in the making, one being discarded, or not legion's
			}
			p := filepath.Join(root, shard.Name(), e.Name())
			rep.Entries++
			rep.Bytes += dirSize(p)
			if clean {
				c.discard(p)
				continue
			}
			if dirIntegrity(p) != sri {
				rep.Damaged = append(rep.Damaged, shard.Name()+e.Name())
				c.discard(p)
			}
		}
	}
	lists, err := os.ReadDir(filepath.Join(c.dir, "versions"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range lists {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || checkPackageName(name) != nil || !c.isList(name) {
			continue
		}
		rep.Lists++
		switch {
		case clean:
			os.Remove(c.listPath(name))
		default:
			if _, ok := c.versions(name); !ok {
				rep.Damaged = append(rep.Damaged, "versions/"+e.Name())
				os.Remove(c.listPath(name))
			}
		}
	}
	if clean {
		c.cleanIndex()
	}
	slices.Sort(rep.Damaged)
	return nil
}

// isList reports whether versions/<name>.json is a version list legion
// stored (its name and fetch time), damaged or not.
func (c *contentCache) isList(name string) bool {
	b, err := readRegularFile(c.listPath(name))
	if err != nil {
		return false
	}
	var l struct {
		Name      string    `json:"name"`
		FetchedAt time.Time `json:"fetchedAt"`
	}
	return json.Unmarshal(b, &l) == nil && l.Name == name && !l.FetchedAt.IsZero()
}

// cleanIndex removes the index records (index/<pkg>/<version>, each an
// integrity) and the directories they leave empty.
func (c *contentCache) cleanIndex() {
	recs, _ := os.ReadDir(filepath.Join(c.dir, "index"))
	for _, rec := range recs {
		name, version, ok := strings.Cut(rec.Name(), "@")
		if !ok || checkPackageName(name) != nil || !rec.Type().IsRegular() {
			continue
		}
		if c.index(name, version) != "" {
			os.Remove(c.indexPath(name, version))
		}
	}
	os.Remove(filepath.Join(c.dir, "index")) // only when empty
}

// keyOf turns an entry's hex name back into its integrity; "" when it is
// not one.
func keyOf(hexName string) string {
	sum, err := hex.DecodeString(hexName)
	if err != nil || len(sum) != 64 {
		return ""
	}
	return integrityPrefix + base64.StdEncoding.EncodeToString(sum)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
