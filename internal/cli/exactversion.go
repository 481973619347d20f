package cli

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// sameVersion reports whether a and b are the same published version,
// build metadata included. semver's Equal ignores build metadata, and so
// does the registry's lookup: asked for 1.0.0+build.6 it answers with the
// 1.0.0+build.5 it holds, which is other content for whoever asked.
func sameVersion(a, b *semver.Version) bool {
	return a != nil && b != nil && a.Equal(b) && a.Metadata() == b.Metadata()
}

// missingBuildError is an exact version the registry does not have,
// though it has one that differs only in build metadata: a missing
// version (exit 4) like any other.
type missingBuildError struct {
	name       string
	want, have *semver.Version
}

func (e *missingBuildError) Error() string {
	return fmt.Sprintf("%s@%s not found (the registry has %s@%s; build metadata must match)", e.name, e.want.Original(), e.name, e.have.Original())
}

func (e *missingBuildError) Is(target error) bool { return target == legion.ErrNotFound }

// checkServed checks that the registry answered a request for name@want
// with that exact version: one differing only in build metadata is a
// missing version, any other answer an invalid response.
func checkServed(name string, want *semver.Version, pv *legion.PackageVersion) error {
	if pv.Name != "" && pv.Name != name || pv.Version == nil || !pv.Version.Equal(want) {
		got := pv.Name + "@"
		if pv.Version != nil {
			got += pv.Version.Original()
		}
		return fmt.Errorf("%w: the registry answered with %s", legion.ErrInvalidResponse, got)
	}
	if !sameVersion(pv.Version, want) {
		return &missingBuildError{name, want, pv.Version}
	}
	return nil
}
