package cli

import (
	"context"
	"fmt"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// Source is where the solver learns what exists: the registry, in the CLI.
type Source interface {
	// Versions lists every published version of name.
	Versions(ctx context.Context, name string) ([]*semver.Version, error)
	// Fetch returns one version's metadata, including its dependencies.
	Fetch(ctx context.Context, name string, version *semver.Version) (*legion.PackageVersion, error)
}

// registrySource is the registry seen through the SDK. It reads versions
// with ListVersions and metadata with Download; it never calls GetPackage,
// which the registry counts as a download.
type registrySource struct{ c *legion.Client }

func (s registrySource) Versions(ctx context.Context, name string) ([]*semver.Version, error) {
	list, err := s.c.ListVersions(ctx, name)
	if err != nil {
		return nil, wrap(err, "listing versions of %s", name)
	}
	vs := make([]*semver.Version, 0, len(list))
	for _, pv := range list {
		if pv.Version != nil {
			vs = append(vs, pv.Version)
		}
	}
	return vs, nil
}

func (s registrySource) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	pv, err := s.c.Download(ctx, name, v.Original())
	if err != nil {
		return nil, wrap(err, "fetching %s@%s", name, v)
	}
	if pv.Version != nil && !pv.Version.Equal(v) || pv.Name != "" && pv.Name != name {
		got := pv.Name + "@"
		if pv.Version != nil {
			got += pv.Version.Original()
		}
		return nil, fmt.Errorf("fetching %s@%s: %w: the registry answered with %s", name, v, legion.ErrInvalidResponse, got)
	}
	return pv, nil
}
