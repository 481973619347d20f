package legion

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
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
// user owns. It is never re-sent after a 5xx. When its answer is lost (the
// connection dropped, the attempt timed out) it looks before giving up: it
// reads the versions list (never GET /packages/{name}, which would count a
// download). If the version is there with the dependencies sent, the
// publish happened and Publish returns it with Reconciled set; if it is not
// there, Publish sends it once more (a 409 then goes through the same
// check). Only when that check cannot be made does Publish fail with an
// error matching ErrOutcomeUnknown: the version may or may not exist; look
// with ListVersions before publishing again. On ErrConflict the version
// was already published (by another call).
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
	v, err := c.publishOnce(ctx, req, want)
	for resent := false; err != nil && errors.Is(err, ErrOutcomeUnknown); resent = true {
		op := "publish " + req.Name + "@" + req.Version
		found, conflict, cerr := c.published(ctx, req, want)
		switch {
		case cerr != nil:
			return nil, outcome(op, err, cerr)
		case conflict != nil:
			return nil, conflict
		case found != nil:
			return found, nil
		case resent:
			return nil, outcome(op, err, errors.New("the version is not listed after the publish was sent twice"))
		}
		v, err = c.publishOnce(ctx, req, want)
		if errors.Is(err, ErrConflict) {
			// An earlier publish may have run after all: look again.
			err = outcome(op, err, nil)
		}
	}
	return v, err
}

func (c *Client) publishOnce(ctx context.Context, req PublishRequest, want *semver.Version) (*PackageVersion, error) {
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

// published looks for req's version after a publish whose answer was lost:
// the version with Reconciled set when it is listed with the dependencies
// sent, nothing when it is not listed, a conflict (matching ErrConflict)
// when it is listed with other dependencies (another publish made it), or
// the error of the look itself.
func (c *Client) published(ctx context.Context, req PublishRequest, want *semver.Version) (found *PackageVersion, conflict, err error) {
	vs, err := c.ListVersions(ctx, req.Name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil // no such package: nothing was published
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range vs {
		v := vs[i]
		if v.Version == nil || !sameVersion(v.Version, want) {
			continue
		}
		if v.Dependencies == nil {
			// The list leaves dependencies out: the download metadata
			// has them, and does not count a download.
			d, err := c.Download(ctx, req.Name, req.Version)
			if err != nil {
				return nil, nil, err
			}
			v.Dependencies = d.Dependencies
		}
		if !sameDependencies(v.Dependencies, req.Dependencies) {
			return nil, fmt.Errorf("legion: publish %s@%s: the answer was lost, and the registry lists this version with other dependencies: %w",
				req.Name, req.Version, ErrConflict), nil
		}
		if v.Name == "" {
			v.Name = req.Name
		}
		v.Reconciled = true
		return &v, nil, nil
	}
	return nil, nil, nil
}

func sameDependencies(a, b map[string]string) bool {
	return len(a) == len(b) && maps.Equal(a, b)
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
