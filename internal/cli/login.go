package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/internal/textsafe"
	"golang.org/x/term"
)

var loginCmd = &command{
	name:    "login",
	args:    "[--token lgn_…]",
	summary: "log in (interactively, or with an API token)",
	help: `Without --token, prompts on stderr for your username and password (the
password is not echoed when stdin is a terminal; otherwise one line is read
from stdin, so scripts can pipe it in) and stores the token the registry
returns.

With --token, checks the token with the registry (GET /auth/me) and stores
it. '--token -' reads the token from stdin, which keeps it out of your shell
history and the process list.

Credentials go to <user config dir>/legion/credentials.json with mode 0600,
together with the registry they are for; they are sent to no other
registry. LEGION_TOKEN, when set, is used instead of them.`,
	run: (*app).runLogin,
}

func (a *app) runLogin(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	token := fs.String("token", "", "log in with an API `token` (lgn_…); '-' reads it from stdin")
	username := fs.String("username", "", "the `username` to log in as (prompted for when absent)")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg login takes no arguments (use --token to pass a token)")
	}
	if *token != "" && *username != "" {
		return usagef("pkg login: --token and --username do not go together")
	}
	s, err := a.resolveSession(fs.registry)
	if errors.Is(err, errBadCredentials) {
		// The file will be replaced, but the registry it was for is
		// unknown: going on would silently move to the default one.
		if _, envSet := a.env.LookupEnv("LEGION_REGISTRY"); fs.registry == "" && !envSet {
			return wrap(withHint(err, "pass --registry URL to login again, or run 'legion pkg logout' to remove the file"), "login")
		}
		s, err = a.sessionFrom(fs.registry, false)
	}
	if err != nil {
		return wrap(err, "login")
	}
	in := bufio.NewReader(a.env.Stdin)

	var user *legion.User
	var stored string
	if *token != "" {
		tok := *token
		if tok == "-" {
			line, err := readLine(in)
			if err != nil {
				return usagef("pkg login: reading the token from stdin: %v", err)
			}
			tok = strings.TrimSpace(line)
		}
		c, err := a.clientFor(s.registry, tok, "the token")
		if err != nil {
			return wrap(err, "login")
		}
		if user, err = c.Me(ctx); err != nil {
			return wrap(err, "login: checking the token")
		}
		stored = tok
	} else {
		name := *username
		if name == "" {
			fmt.Fprintf(a.stderr, "Logging in to %s\nUsername: ", s.registry)
			line, err := readLine(in)
			if err != nil {
				fmt.Fprintln(a.stderr)
				return usagef("pkg login: reading the username: %v", err)
			}
			name = strings.TrimSpace(line)
		}
		if name == "" {
			return usagef("pkg login: the username is empty")
		}
		if u, err := url.Parse(s.registry); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			fmt.Fprintf(a.stderr, "legion: warning: %s is plain http; the password will be sent unencrypted\n", u.Host)
		}
		fmt.Fprint(a.stderr, "Password: ")
		pw, err := a.readPassword(ctx, in)
		if err != nil {
			return wrap(err, "login: reading the password")
		}
		if pw == "" {
			return usagef("pkg login: the password is empty")
		}
		c, err := a.clientFor(s.registry, "", "")
		if err != nil {
			return wrap(err, "login")
		}
		sess, err := c.Login(ctx, legion.LoginRequest{Username: name, Password: legion.NewSecret(pw)})
		if errors.Is(err, legion.ErrUnauthorized) {
			return withHint(wrap(err, "login as %s", name), "no account yet? create one with 'legion pkg signup'")
		}
		if err != nil {
			return wrap(err, "login as %s", name)
		}
		u := sess.User
		if u.Username == "" {
			u.Username = name
		}
		user, stored = &u, sess.Token.Reveal()
	}
	if err := a.saveCredentials(&Credentials{Registry: s.registry, Token: stored}); err != nil {
		return wrap(err, "login")
	}
	if v, _ := a.env.LookupEnv("LEGION_TOKEN"); v != "" {
		fmt.Fprintln(a.stderr, "legion: note: LEGION_TOKEN is set and is used instead of the stored token")
	}
	if fs.json {
		return writeJSON(a.stdout, struct {
			Username string `json:"username"`
			Registry string `json:"registry"`
		}{user.Username, s.registry})
	}
	fmt.Fprintf(a.stdout, "Logged in as %s on %s\n", textsafe.Text(user.Username), s.registry)
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readLine reads one line without its line ending; a last line without a
// newline counts, an empty stream is io.ErrUnexpectedEOF.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err == io.EOF {
		return "", io.ErrUnexpectedEOF
	}
	return strings.TrimRight(line, "\r\n"), err
}

// readPassword reads the password without echo from a terminal, or as a
// line from anything else. An interrupt while typing restores the
// terminal before returning.
func (a *app) readPassword(ctx context.Context, in *bufio.Reader) (string, error) {
	f, ok := a.env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return readLine(in)
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	type result struct {
		pw  []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := term.ReadPassword(fd)
		done <- result{pw, err}
	}()
	select {
	case r := <-done:
		fmt.Fprintln(a.stderr)
		return string(r.pw), r.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		fmt.Fprintln(a.stderr)
		return "", ctx.Err()
	}
}
