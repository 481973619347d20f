package cli

import (
	"context"
	"errors"
	"fmt"
)

var logoutCmd = &command{
	name:    "logout",
	args:    "",
	summary: "remove the stored token",
	help: `Removes the token that 'legion pkg login' stored. The token itself stays
valid on the registry (revoke it there if it may have leaked). LEGION_TOKEN,
if set, is not affected.`,
	run: (*app).runLogout,
}

func (a *app) runLogout(ctx context.Context, fs *flagSet, args []string) error {
	fs.withJSON()
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg logout takes no arguments")
	}
	creds, err := a.loadCredentials()
	if errors.Is(err, errBadCredentials) {
		if err = a.removeCredentials(); err == nil {
			path, _ := a.credentialsPath()
			fmt.Fprintf(a.stdout, "Removed the corrupt credentials file %s\n", path)
			return nil
		}
	}
	if err != nil {
		return wrap(err, "logout")
	}
	had := creds.Token != ""
	if had {
		creds.Token = ""
		if err := a.saveCredentials(creds); err != nil {
			return wrap(err, "logout")
		}
	}
	envSet := false
	if v, _ := a.env.LookupEnv("LEGION_TOKEN"); v != "" {
		envSet = true
	}
	if fs.json {
		return writeJSON(a.stdout, struct {
			LoggedOut        bool `json:"loggedOut"` // a stored token was removed
			EnvTokenStillSet bool `json:"envTokenStillSet"`
		}{had, envSet})
	}
	if had {
		fmt.Fprintln(a.stdout, "Logged out: the stored token was removed")
	} else {
		fmt.Fprintln(a.stdout, "Not logged in: no stored token")
	}
	if envSet {
		fmt.Fprintln(a.stderr, "legion: note: LEGION_TOKEN is still set in the environment")
	}
	return nil
}
