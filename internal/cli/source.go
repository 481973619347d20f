package cli

import (
	"context"
	"sync"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// Source is where the solver learns what exists: the registry, in the CLI.
type Source interface {
	// Versions lists every published version of name, each with its
	// dependencies when the registry sends them (nil when it does not: the
	// solver then asks Fetch for the versions it chooses).
	Versions(ctx context.Context, name string) ([]legion.PackageVersion, error)
	// Fetch returns one version's metadata, including its dependencies.
	Fetch(ctx context.Context, name string, version *semver.Version) (*legion.PackageVersion, error)
}

// registrySource is the registry seen through the SDK. It reads versions
// (with their dependencies) with ListVersions and a version's readme with
// Download; it never calls GetPackage, which the registry counts as a
// download.
type registrySource struct{ c *legion.Client }

func (s registrySource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	list, err := s.c.ListVersions(ctx, name)
	if err != nil {
		return nil, wrap(err, "listing versions of %s", name)
	}
	return list, nil
}

func (s registrySource) Fetch(ctx context.Context, name string, v *semver.Version) (*legion.PackageVersion, error) {
	pv, err := s.c.Download(ctx, name, v.Original())
	if err != nil {
		return nil, wrap(err, "fetching %s@%s", name, v)
	}
	if err := checkServed(name, v, pv); err != nil {
		return nil, wrap(err, "fetching %s@%s", name, v.Original())
	}
	return pv, nil
}

// memoSource remembers the version lists it was given, so that looking up
// a package's latest version before resolving costs no second request.
type memoSource struct {
	Source
	mu    sync.Mutex
	lists map[string][]legion.PackageVersion
}

func newMemoSource(src Source) *memoSource {
	return &memoSource{Source: src, lists: map[string][]legion.PackageVersion{}}
}

func (s *memoSource) Versions(ctx context.Context, name string) ([]legion.PackageVersion, error) {
	s.mu.Lock()
	list, ok := s.lists[name]
	s.mu.Unlock()
	if ok {
		return list, nil
	}
	list, err := s.Source.Versions(ctx, name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.lists[name] = list
	s.mu.Unlock()
	return list, nil
}
