package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/textsafe"
)

var signupCmd = &command{
	name:    "signup",
	args:    "[--username NAME] [--email ADDR] [--password-stdin]",
	summary: "create an account on the registry and log in to it",
	help: `Creates an account (POST /auth/signup) and stores the token the registry
returns, as login does. Prompts on stderr for what the flags do not give:
the username, the email address and the password (not echoed on a
terminal). --password-stdin reads the password as one line from stdin, for
scripts.`,
	run: (*app).runSignup,
}

func (a *app) runSignup(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	username := fs.String("username", "", "the `username` to sign up as")
	email := fs.String("email", "", "the account's email `address`")
	pwStdin := fs.Bool("password-stdin", false, "read the password from stdin")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg signup takes no arguments (use --username and --email)")
	}
	s, err := a.resolveSession(fs.registry)
	if errors.Is(err, errBadCredentials) {
		// The file will be replaced, but the registry it was for is
		// unknown: going on would silently move to the default one.
		if _, envSet := a.env.LookupEnv("LEGION_REGISTRY"); fs.registry == "" && !envSet {
			return wrap(withHint(err, "pass --registry URL to signup again, or run 'legion pkg logout' to remove the file"), "signup")
		}
		s, err = a.sessionFrom(fs.registry, false)
	}
	if err != nil {
		return wrap(err, "signup")
	}
	in := bufio.NewReader(a.env.Stdin)
	ask := func(prompt string, v *string) error {
		if *v != "" {
			return nil
		}
		if *pwStdin {
			return usagef("pkg signup: --password-stdin needs --username and --email")
		}
		fmt.Fprintf(a.stderr, "%s: ", prompt)
		line, err := readLine(in)
		if err != nil {
			fmt.Fprintln(a.stderr)
			return usagef("pkg signup: reading the %s: %v", strings.ToLower(prompt), err)
		}
		*v = strings.TrimSpace(line)
		return nil
	}
	fmt.Fprintf(a.stderr, "Signing up on %s\n", s.registry)
	if err := ask("Username", username); err != nil {
		return err
	}
	if err := ask("Email", email); err != nil {
		return err
	}
	var pw string
	if *pwStdin {
		line, err := readLine(in)
		if err != nil {
			return usagef("pkg signup: reading the password from stdin: %v", err)
		}
		pw = line
	} else {
		fmt.Fprint(a.stderr, "Password: ")
		if pw, err = a.readPassword(ctx, in); err != nil {
			return wrap(err, "signup: reading the password")
		}
	}
	if *username == "" || *email == "" || pw == "" {
		return usagef("pkg signup: the username, the email address and the password must not be empty")
	}
	c, err := a.clientFor(s.registry, "", "")
	if err != nil {
		return wrap(err, "signup")
	}
	sess, err := c.Signup(ctx, legion.SignupRequest{Username: *username, Email: *email, Password: legion.NewSecret(pw)})
	if err != nil {
		return wrap(err, "signup as %s", *username)
	}
	if err := a.saveCredentials(&Credentials{Registry: s.registry, Token: sess.Token.Reveal()}); err != nil {
		return wrap(err, "signup")
	}
	if fs.json {
		return writeJSON(a.stdout, struct {
			Username string `json:"username"`
			Registry string `json:"registry"`
		}{sess.User.Username, s.registry})
	}
	fmt.Fprintf(a.stdout, "Signed up and logged in as %s on %s\n", textsafe.Text(sess.User.Username), s.registry)
	return nil
}
