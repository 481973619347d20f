package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

// Credentials is what `legion pkg login` stores: the registry it logged in
// to and the token for it. The token is only ever sent to that registry.
type Credentials struct {
	Registry string `json:"registry"`
	Token    string `json:"token,omitempty"`
}

// userConfigDir mirrors os.UserConfigDir but reads the environment through
// lookup, so that in-process tests can point it elsewhere.
func userConfigDir(lookup func(string) (string, bool)) (string, error) {
	get := func(k string) string { v, _ := lookup(k); return v }
	switch runtime.GOOS {
	case "windows":
		if d := get("AppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%AppData% is not set")
	case "darwin", "ios":
		if h := get("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support"), nil
		}
		return "", errors.New("$HOME is not set")
	case "plan9":
		if h := get("home"); h != "" {
			return filepath.Join(h, "lib"), nil
		}
		return "", errors.New("$home is not set")
	}
	if d := get("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	if h := get("HOME"); h != "" {
		return filepath.Join(h, ".config"), nil
	}
	return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME is set")
}

// credentialsPath is <user config dir>/legion/credentials.json.
func (a *app) credentialsPath() (string, error) {
	dir, err := userConfigDir(a.env.LookupEnv)
	if err != nil {
		return "", fmt.Errorf("finding the credentials file: %w", err)
	}
	return filepath.Join(dir, "legion", "credentials.json"), nil
}

// errBadCredentials is a credentials file that cannot be read as JSON.
var errBadCredentials = errors.New("not valid JSON")

// credentialsError is a credentials file that exists but cannot be used
// (unreadable, or not valid JSON). Commands that need no token go on
// without it; see [app.client].
type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// loadCredentials reads the stored credentials; none stored is not an
// error, a file that cannot be used is a *credentialsError.
func (a *app) loadCredentials() (*Credentials, error) {
	path, err := a.credentialsPath()
	if err != nil {
		// No config directory (no $HOME): nothing can have been stored.
		return &Credentials{}, nil
	}
	b, err := readFileIfExists(path)
	if err != nil {
		return nil, &credentialsError{fmt.Errorf("reading credentials: %w", err)}
	}
	var c Credentials
	if b == nil {
		return &c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		// The decoder's message never quotes the file's content, so the
		// token cannot leak through it.
		return nil, &credentialsError{fmt.Errorf("reading credentials: %s: %w (%v; log in again)", path, errBadCredentials, err)}
	}
	return &c, nil
}

// saveCredentials writes c atomically with mode 0600 in a 0700 directory;
// with neither a token nor a registry worth remembering it removes the file.
func (a *app) saveCredentials(c *Credentials) error {
	path, err := a.credentialsPath()
	if err != nil {
		return err
	}
	if c.Token == "" && (c.Registry == "" || sameRegistry(c.Registry, legion.DefaultBaseURL)) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing credentials: %w", err)
		}
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("storing credentials: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone; this one is ours.
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("storing credentials: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	p, err := prepareFile(path, append(b, '\n'), 0o600)
	if err != nil {
		return fmt.Errorf("storing credentials: %w", err)
	}
	// prepareFile keeps an existing file's mode; a credentials file is 0600
	// whatever it was before.
	if err := os.Chmod(p.tmp, 0o600); err != nil {
		p.abort()
		return fmt.Errorf("storing credentials: %w", err)
	}
	if err := p.commit(); err != nil {
		return fmt.Errorf("storing credentials: %w", err)
	}
	return nil
}

// normalizeRegistry accepts a registry's base URL, or just its origin, to
// which it adds the API path: "https://host" means "https://host/api/v1".
func normalizeRegistry(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("registry %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return "", usagef("registry URL must not carry credentials; use login")
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/api/v1"
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), nil
}

func sameRegistry(a, b string) bool {
	na, errA := normalizeRegistry(a)
	nb, errB := normalizeRegistry(b)
	return errA == nil && errB == nil && na == nb
}

// session is the registry and token a command uses, and where each came
// from (for messages such as whoami's).
type session struct {
	registry    string
	token       string
	tokenSource string // "LEGION_TOKEN", the credentials path, or ""
	creds       *Credentials
}

// resolveSession picks the registry (--registry, then LEGION_REGISTRY, then
// the credentials file, then the default) and the token (LEGION_TOKEN, then
// the credentials file, but only when the file's token was stored for that
// same registry: a token is never sent to a registry it was not issued by).
func (a *app) resolveSession(registryFlag string) (*session, error) {
	return a.sessionFrom(registryFlag, true)
}

// sessionFrom is resolveSession, optionally ignoring the credentials file.
func (a *app) sessionFrom(registryFlag string, useFile bool) (*session, error) {
	s := &session{}
	creds, credErr := &Credentials{}, error(nil)
	if useFile {
		creds, credErr = a.loadCredentials()
	}
	if credErr == nil {
		s.creds = creds
	} else {
		s.creds = &Credentials{}
	}
	envReg, _ := a.env.LookupEnv("LEGION_REGISTRY")
	switch {
	case registryFlag != "":
		s.registry = registryFlag
	case envReg != "":
		s.registry = envReg
	case s.creds.Registry != "":
		s.registry = s.creds.Registry
	default:
		s.registry = legion.DefaultBaseURL
	}
	reg, err := normalizeRegistry(s.registry)
	if err != nil {
		return nil, err
	}
	s.registry = reg
	if tok, _ := a.env.LookupEnv("LEGION_TOKEN"); tok != "" {
		s.token, s.tokenSource = tok, "LEGION_TOKEN"
		return s, nil
	}
	// A broken credentials file only matters when we would use it.
	if credErr != nil {
		return nil, credErr
	}
	if s.creds.Token != "" && sameRegistry(s.creds.Registry, s.registry) {
		s.token = s.creds.Token
		s.tokenSource, _ = a.credentialsPath()
	}
	return s, nil
}

// removeCredentials deletes the credentials file, if any.
func (a *app) removeCredentials() error {
	path, err := a.credentialsPath()
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing credentials: %w", err)
	}
	return nil
}
