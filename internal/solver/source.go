package solver

import (
	"context"
	"errors"

	"github.com/Masterminds/semver/v3"
)

// Source tells the solver what exists.
type Source interface {
	// Versions lists every published version of name, in any order. For a
	// package the source does not have it returns an error that wraps
	// ErrNotFound (the solver then treats the dependents as unusable);
	// any other error ends the resolution.
	Versions(ctx context.Context, name string) ([]Version, error)
}

// DependencySource is a Source whose lists may lack dependencies
// (Version.Deps nil): the solver asks for those of a version it considers.
type DependencySource interface {
	Source
	Dependencies(ctx context.Context, name string, v *semver.Version) (map[string]string, error)
}

// Prefetcher is a Source that can start fetching lists ahead of need. The
// solver calls Prefetch with every list the next step needs before asking
// for them one at a time, so a networked source fetches them in parallel.
type Prefetcher interface {
	Prefetch(names []string)
}

// Version is one published version.
type Version struct {
	Version *semver.Version
	// Deps maps each dependency's name to its npm range; nil when the
	// source did not send them (see DependencySource).
	Deps map[string]string
	// Unusable, when not empty, says why this version can never be
	// installed (for example, a dependency name that is not allowed).
	Unusable string
}

// ErrNotFound marks a package the source does not have.
var ErrNotFound = errors.New("package not found")

// ErrTooComplex is returned when the search exceeds Problem.MaxSteps.
var ErrTooComplex = errors.New("version solving gave up")
