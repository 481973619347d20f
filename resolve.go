package legion

import (
	"context"
	"fmt"

	"github.com/Masterminds/semver/v3"
	"github.com/legion-registry/legion-go/internal/semrange"
)

// Resolve returns the highest published version of name that satisfies the
// npm-style range constraint ("^1.2.0", "~1.2", ">=1 <2", "1.x", "*"), or
// for "latest" the version the registry calls latest: the highest release,
// or the highest prerelease when there is no release. Ranges follow node-semver,
// prereleases included: "1.3.0-rc.1" satisfies ">=1.3.0-rc.0" but not "^1.0.0".
// It reads the versions endpoint, so it never counts a download.
//
// GET /packages/{name}/versions
func (c *Client) Resolve(ctx context.Context, name, constraint string) (*PackageVersion, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	rng := constraint
	if constraint == Latest {
		rng = "*" // npm's "*" admits every release
	}
	r, err := semrange.Parse(rng)
	if err != nil {
		return nil, &ArgumentError{Arg: "constraint", Reason: err.Error()}
	}
	versions, err := c.ListVersions(ctx, name)
	if err != nil {
		return nil, err
	}
	vs := make([]*semver.Version, len(versions))
	for i := range versions {
		vs[i] = versions[i].Version
	}
	best := r.Max(vs)
	if best == nil && constraint == Latest {
		best = highest(vs) // only prereleases are published
	}
	if best == nil {
		return nil, fmt.Errorf("%w: %s@%s (%d versions published)", ErrNoMatchingVersion, name, constraint, len(versions))
	}
	v := PackageVersion{Version: best}
	for i := range versions {
		if versions[i].Version == best {
			v = versions[i]
			break
		}
	}
	if v.Name == "" {
		v.Name = name
	}
	return &v, nil
}

func highest(vs []*semver.Version) *semver.Version {
	var best *semver.Version
	for _, v := range vs {
		if v != nil && (best == nil || v.GreaterThan(best)) {
			best = v
		}
	}
	return best
}
