package legion

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/legion-registry/legion-go/internal/semrange"
)

// PublishRequest is the body of POST /packages/publish.
type PublishRequest struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"` // strict semver, e.g. "1.0.0" or "2.0.0-rc.1"
	Description  string            `json:"description,omitempty"`
	License      string            `json:"license,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Readme       string            `json:"readme,omitempty"`
	Dependencies map[string]string `json:"dependencies,omitempty"` // name → npm-style range
}

// Publish publishes a new package, or a new version of one the token's
// user owns. It is never retried after a 5xx or a lost answer, so it cannot
// run twice; on ErrConflict the version was already published.
//
// POST /packages/publish
func (c *Client) Publish(ctx context.Context, req PublishRequest) (*PackageVersion, error) {
	if err := validateName(req.Name); err != nil {
		return nil, err
	}
	if err := validateVersion(req.Version); err != nil {
		return nil, err
	}
	if err := validateDependencies(req.Dependencies); err != nil {
		return nil, err
	}
	want, _ := semrange.ParseVersion(req.Version)
	env := publishEnvelope{wantName: req.Name, wantVersion: want}
	if err := c.send(ctx, request{method: "POST", path: "/packages/publish", body: req, auth: true}, &env); err != nil {
		return nil, err
	}
	v := env.version()
	// A registry that answers only {"success": true, "message": …} still
	// published what was asked.
	if v.Name == "" {
		v.Name = req.Name
	}
	if v.Version == nil {
		v.Version = want
	}
	return &v, nil
}

// Unpublish removes a package the token's user owns.
//
// POST /packages/unpublish
func (c *Client) Unpublish(ctx context.Context, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	return c.send(ctx, request{
		method: "POST",
		path:   "/packages/unpublish",
		body: struct {
			Name string `json:"name"`
		}{name},
		auth: true,
	}, nil)
}

func validateName(name string) error {
	if name == "" {
		return &ArgumentError{Arg: "name", Reason: "must not be empty"}
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return &ArgumentError{Arg: "name", Reason: "must not contain spaces or control characters"}
	}
	return nil
}

func validateVersion(version string) error {
	if _, err := semrange.ParseVersion(version); err != nil {
		return &ArgumentError{Arg: "version", Reason: "must be a semantic version like 1.2.3: " + err.Error()}
	}
	return nil
}

// validateDependencies checks names and ranges in sorted order, so the
// error names the same dependency on every run.
func validateDependencies(deps map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if validateName(name) != nil {
			return &ArgumentError{Arg: "dependencies", Reason: fmt.Sprintf("name %q is empty or has spaces", name)}
		}
		if _, err := semrange.Parse(deps[name]); err != nil {
			return &ArgumentError{Arg: "dependencies", Reason: fmt.Sprintf("%s: %v", name, err)}
		}
	}
	return nil
}
