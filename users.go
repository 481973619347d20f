package legion

import (
	"context"
	"time"
)

// User is a registry account. Email is sent only to its owner (Me).
type User struct {
	Username  string    `json:"username"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// GetUser returns a user's public profile.
//
// GET /users/{username}
func (c *Client) GetUser(ctx context.Context, username string) (*User, error) {
	if err := validateUsername(username); err != nil {
		return nil, err
	}
	var env userEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/users/" + pathSegment(username)}, &env); err != nil {
		return nil, err
	}
	u := env.user()
	return &u, nil
}

// ListUserPackages returns every package the user has published, with the
// total the registry sends (the number of packages when it sends none).
//
// GET /users/{username}/packages
func (c *Client) ListUserPackages(ctx context.Context, username string) (*PackageList, error) {
	if err := validateUsername(username); err != nil {
		return nil, err
	}
	var env pageEnvelope
	if err := c.send(ctx, request{method: "GET", path: "/users/" + pathSegment(username) + "/packages"}, &env); err != nil {
		return nil, err
	}
	list := &PackageList{Packages: packages(env.Packages), Total: env.Total, Page: env.Page, Limit: env.Limit}
	if list.Total == 0 {
		list.Total = len(list.Packages)
	}
	return list, nil
}

func validateUsername(username string) error {
	if username == "" {
		return &ArgumentError{Arg: "username", Reason: "must not be empty"}
	}
	return nil
}
