package solver

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/Masterminds/semver/v3"
)

// registry is an in-memory Source: name → version → dependencies.
type registry map[string]map[string]map[string]string

type memSource struct {
	reg      registry
	unusable map[string]string // "name@version" → reason
	mu       sync.Mutex
	calls    int
}

func (m *memSource) Versions(ctx context.Context, name string) ([]Version, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	vs, ok := m.reg[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	var out []Version
	for _, v := range slices.Sorted(maps.Keys(vs)) {
		d := vs[v]
		if d == nil {
			d = map[string]string{}
		}
		out = append(out, Version{Version: semver.MustParse(v), Deps: d, Unusable: m.unusable[name+"@"+v]})
	}
	return out, nil
}

type deps = map[string]string

func solveReg(reg registry, root deps, locked map[string]string) (*Solution, error) {
	prob := Problem{Root: "app", Deps: root, Source: &memSource{reg: reg}}
	if locked != nil {
		prob.Locked = map[string]*semver.Version{}
		for n, v := range locked {
			prob.Locked[n] = semver.MustParse(v)
		}
	}
	return Solve(context.Background(), prob)
}

// show renders a solution as "a@1.0.0 b@2.0.0".
func show(sol *Solution) string {
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(sol.Packages)) {
		parts = append(parts, n+"@"+sol.Packages[n].Version.Original())
	}
	return strings.Join(parts, " ")
}
