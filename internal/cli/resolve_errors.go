package cli

import (
	"fmt"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

// ConflictError is a dependency conflict: ranges on one package that no
// published version satisfies together.
type ConflictError struct {
	Name      string
	Chains    []string // each "app → a@1.0.0 → c@^1"
	Published []string // the package's published versions, lowest first
	Cycle     bool     // a chain runs through the package itself
}

func (e *ConflictError) Error() string {
	s := fmt.Sprintf("dependency conflict on %s: %s", e.Name, strings.Join(e.Chains, " vs "))
	if e.Cycle {
		s += " (through a dependency cycle)"
	}
	return s + "; no version satisfies all (published: " + listVersions(e.Published) + ")"
}

func (e *ConflictError) Is(target error) bool { return target == ErrDependencyConflict }

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

// MissingError is a dependency the registry does not have, with the chain
// that needs it.
type MissingError struct {
	Name  string
	Chain string // "app → a@1.0.0 → ghost@^1"
	err   error
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s is not in the registry: %s", e.Name, e.Chain)
}

func (e *MissingError) Unwrap() error { return e.err }

// CycleError is a dependency cycle that keeps resolution from settling.
type CycleError struct{ Chain string }

func (e *CycleError) Error() string {
	return "dependency cycle cannot be resolved: " + e.Chain
}

func (e *CycleError) Is(target error) bool { return target == ErrDependencyConflict }

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
