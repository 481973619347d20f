package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	legion "github.com/legion-registry/legion-go"
)

// client builds the SDK client for a command. needToken makes the absence
// of a token an error before any request (exit 3). A command that needs no
// token does not need the credentials file either: when the file cannot be
// read it warns on stderr and goes on without it, so that a corrupt or
// unreadable file cannot break install or audit in CI.
func (a *app) client(registryFlag string, needToken bool) (*legion.Client, *session, error) {
	s, err := a.resolveSession(registryFlag)
	var ce *credentialsError
	if !needToken && errors.As(err, &ce) {
		if s, err = a.sessionFrom(registryFlag, false); err == nil {
			a.progressf("warning: %s; going on without them, with registry %s", describe(ce), s.registry)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if needToken && s.token == "" {
		return nil, nil, errNotLoggedIn
	}
	c, err := a.clientFor(s.registry, s.token, s.tokenSource)
	return c, s, err
}

// errNotLoggedIn is legion.ErrNoToken in words for someone at a shell.
var errNotLoggedIn error = notLoggedIn{}

type notLoggedIn struct{}

func (notLoggedIn) Error() string {
	return "not logged in: run 'legion pkg login' or set LEGION_TOKEN"
}
func (notLoggedIn) Is(target error) bool {
	return target == legion.ErrNoToken || target == legion.ErrUnauthorized
}

func (a *app) clientFor(registry, token, tokenSource string) (*legion.Client, error) {
	opts := []legion.Option{
		legion.WithBaseURL(registry),
		legion.WithUserAgent("legion-cli/" + legion.SDKVersion),
	}
	if token != "" {
		opts = append(opts, legion.WithToken(token))
	}
	// A registry that stops answering should not hang a terminal or a CI
	// job forever; each attempt gets this long.
	opts = append(opts, legion.WithTimeout(requestTimeout), legion.WithAttemptHook(a.onAttempt))
	if hc := a.env.HTTPClient; hc != nil {
		opts = append(opts, legion.WithHTTPClient(hc))
	}
	c, err := legion.NewClient(opts...)
	if err != nil {
		var ae *legion.ArgumentError
		if token != "" && errors.As(err, &ae) && ae.Arg == "token" {
			if tokenSource == "" {
				tokenSource = "the token"
			}
			return nil, fmt.Errorf("%s is not a Legion token (lgn_…): %w", tokenSource, errMalformedToken)
		}
		return nil, err
	}
	return c, nil
}

// reloginHint advises logging in again when the registry refused the token
// (401); the token's source decides the advice.
func reloginHint(err error, s *session) error {
	if !errors.Is(err, legion.ErrUnauthorized) || errors.Is(err, legion.ErrNoToken) {
		return err
	}
	if s != nil && s.tokenSource == "LEGION_TOKEN" {
		return withHint(err, "check LEGION_TOKEN")
	}
	return withHint(err, "log in again with 'legion pkg login'")
}

// errMalformedToken is an authentication failure (exit 3): the token could
// never be valid.
var errMalformedToken = &malformedTokenErr{}

type malformedTokenErr struct{}

func (*malformedTokenErr) Error() string        { return "malformed token" }
func (*malformedTokenErr) Is(target error) bool { return target == legion.ErrUnauthorized }

// onAttempt tells the user, once per wait, that the registry rate-limited
// the command and when it will try again: a silent pause looks like a hang.
func (a *app) onAttempt(_ context.Context, at legion.Attempt) {
	if at.StatusCode == http.StatusTooManyRequests && at.RetryIn > 0 {
		a.progressf("rate limited, retrying in %s", roundWait(at.RetryIn))
	}
}
