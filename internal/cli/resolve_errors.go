package cli

import (
	"fmt"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/solver"
)

// SolveError is a resolution that cannot exist, with the solver's proof:
// pub's sentences ("Because a >=1.1.0 depends on c ^2.0.0 and b depends on
// c ^1.0.0, a >=1.1.0 is incompatible with b. …"), one per line. It is a
// not-found failure (exit 4) when the proof rests on a package that does
// not exist or a range no published version satisfies, and a dependency
// conflict (exit 5) otherwise.
type SolveError struct {
	Failure *solver.Failure
}

func (e *SolveError) Error() string {
	return "no set of versions satisfies every dependency:\n" + e.Failure.Report()
}

func (e *SolveError) Is(target error) bool {
	kinds := map[string]bool{}
	for _, st := range e.Failure.Derivation().Steps {
		kinds[st.Kind] = true
	}
	switch target {
	case legion.ErrNotFound:
		return kinds["not-found"]
	case legion.ErrNoMatchingVersion:
		return kinds["no-versions"]
	case ErrDependencyConflict:
		return !kinds["not-found"] && !kinds["no-versions"]
	}
	return false
}

// mentions reports whether the explanation involves the package name.
func (e *SolveError) mentions(name string) bool {
	for _, n := range e.Failure.Packages() {
		if n == name {
			return true
		}
	}
	return false
}

// NoMatchError is a range that no published version satisfies at all.
type NoMatchError struct {
	Name, Range string
	Chain       string
	Published   []string
}

func (e *NoMatchError) Error() string {
	if len(e.Published) == 0 {
		return fmt.Sprintf("%s has no published versions (%s)", e.Name, e.Chain)
	}
	return fmt.Sprintf("no version of %s satisfies %s (%s); published: %s", e.Name, e.Range, e.Chain, listVersions(e.Published))
}

func (e *NoMatchError) Is(target error) bool { return target == legion.ErrNoMatchingVersion }

// listVersions shows at most the last 8 versions.
func listVersions(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	if len(vs) > 8 {
		return "…, " + strings.Join(vs[len(vs)-8:], ", ")
	}
	return strings.Join(vs, ", ")
}
