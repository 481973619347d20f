// Package releasebot publishes a release to the Legion registry unless it is
// already there: the idempotent step a CI pipeline runs on every tag. It is
// the code under test in this example; releasebot_test.go shows how to test
// such code with legiontest.
package releasebot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Masterminds/semver/v3"
	legion "github.com/legion-registry/legion-go"
)

// Action is what Release did.
type Action string

const (
	Published        Action = "published"         // this call published the version
	AlreadyPublished Action = "already-published" // it was there before, or appeared meanwhile
)

// Report says what Release did.
type Report struct {
	Name        string    `json:"name"`
	Version     string    `json:"version"`
	Action      Action    `json:"action"`
	PublishedAt time.Time `json:"publishedAt"` // zero when the registry did not say
}

// Release publishes req unless its version is already published. It is
// safe to run again after any failure: the SDK never sends a publish twice,
// so an error leaves at most the one publish that may have reached the
// registry, and the next run sees it. A version that appears between the
// check and the publish (another bot won the race) is AlreadyPublished,
// not an error.
func Release(ctx context.Context, c *legion.Client, req legion.PublishRequest) (*Report, error) {
	want, err := semver.StrictNewVersion(req.Version)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", req.Version, err)
	}
	rep := &Report{Name: req.Name, Version: want.String()}

	versions, err := c.ListVersions(ctx, req.Name) // does not count a download
	if err != nil && !errors.Is(err, legion.ErrNotFound) {
		return nil, fmt.Errorf("checking %s: %w", req.Name, err)
	}
	for _, v := range versions {
		if v.Version != nil && v.Version.Equal(want) {
			rep.Action, rep.PublishedAt = AlreadyPublished, v.PublishedAt
			return rep, nil
		}
	}

	pv, err := c.Publish(ctx, req)
	switch {
	case errors.Is(err, legion.ErrConflict):
		rep.Action = AlreadyPublished
		return rep, nil
	case err != nil:
		return nil, fmt.Errorf("publishing %s@%s: %w", req.Name, want, err)
	}
	rep.Action, rep.PublishedAt = Published, pv.PublishedAt
	return rep, nil
}
