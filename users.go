package legion

import (
	"context"
	"encoding/json"
	"time"
)

// User is a registry account. Email is sent only to its owner (Me).
type User struct {
	Username  string    `json:"username"`
	Email     string    `json:"email,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	aux := struct {
		*plain
		CreatedAt      stamp `json:"createdAt"`
		CreatedAtSnake stamp `json:"created_at"`
	}{plain: (*plain)(u)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	u.CreatedAt = firstTime(aux.CreatedAt, aux.CreatedAtSnake)
	return nil
}

// GetUser returns a user's public profile.
//
// GET /users/{username}
func (c *Client) GetUser(ctx context.Context, username string) (*User, error) {
	if err := validateUsername(username); err != nil {
		return nil, err
	}
	var u User
	err := c.send(ctx, request{
		method: "GET",
		path:   "/users/" + pathSegment(username),
		keys:   []string{"user"},
	}, &u)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// ListUserPackages returns every package the user has published.
//
// GET /users/{username}/packages
func (c *Client) ListUserPackages(ctx context.Context, username string) ([]Package, error) {
	if err := validateUsername(username); err != nil {
		return nil, err
	}
	var pkgs []Package
	err := c.send(ctx, request{
		method: "GET",
		path:   "/users/" + pathSegment(username) + "/packages",
		keys:   []string{"packages"},
	}, &pkgs)
	if err != nil {
		return nil, err
	}
	return pkgs, nil
}

func validateUsername(username string) error {
	if username == "" {
		return &ArgumentError{Arg: "username", Reason: "must not be empty"}
	}
	return nil
}
