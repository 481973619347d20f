package legiontest

import (
	"net/http"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// --- stats and audit ---

func (r *Registry) stats(c *reqCtx) (int, any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return http.StatusOK, statsBody{true, r.statsLocked()}
}

// statsLocked reads the totals and the most downloaded packages from the
// index, without a look at every package.
func (r *Registry) statsLocked() legion.Stats {
	ix := r.st.idx
	ix.ready(r.st.pkgs)
	n := len(r.st.pkgs)
	popular := make([]legion.Package, 0, popularCount)
	for _, p := range ix.page(byDownloads, false, 0, min(popularCount, n)) {
		popular = append(popular, p.summary())
	}
	return legion.Stats{
		Packages:  int64(n),
		Downloads: ix.downloads,
		Users:     int64(len(r.st.users)),
		Popular:   popular,
	}
}

func (r *Registry) audit(c *reqCtx) (int, any) {
	var body struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if f := c.decode(&body, r.maxBody); f != nil {
		return c.failWith(f)
	}
	if body.Dependencies == nil {
		return c.fail(http.StatusBadRequest, "dependencies is required: an object of package name to range")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return http.StatusOK, auditBody{true, r.auditLocked(body.Dependencies)}
}

// auditLocked checks each dependency in name order: a range that does not
// parse or an unknown package is a problem; otherwise every advisory of the
// package (in id order) whose affected range shares a published version
// with the dependency's range is reported, with those versions.
func (r *Registry) auditLocked(deps map[string]string) legion.AuditReport {
	rep := legion.AuditReport{Advisories: []legion.Advisory{}, Scanned: len(deps)}
	for _, name := range sortedKeys(deps) {
		raw := deps[name]
		rng, err := semrange.Parse(raw)
		if err != nil {
			rep.Problems = append(rep.Problems, legion.AuditProblem{Package: name, Range: raw, Problem: "invalid range"})
			continue
		}
		p := r.st.pkgs[name]
		if p == nil {
			rep.Problems = append(rep.Problems, legion.AuditProblem{Package: name, Range: raw, Problem: "package not found"})
			continue
		}
		for _, a := range r.st.advisories[name] {
			var vs []string
			for _, v := range p.versions {
				if rng.Contains(v.v) && a.rng.Contains(v.v) {
					vs = append(vs, v.v.Original())
				}
			}
			if len(vs) > 0 {
				rep.Advisories = append(rep.Advisories, legion.Advisory{
					ID:       a.id,
					Package:  name,
					Range:    raw,
					Affected: a.affected,
					Severity: a.severity,
					Title:    a.title,
					URL:      a.url,
					Versions: vs,
				})
			}
		}
	}
	rep.Clean = len(rep.Advisories) == 0 && len(rep.Problems) == 0
	return rep
}
