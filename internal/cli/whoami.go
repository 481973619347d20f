package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/legion-registry/legion-go/internal/textsafe"
)

var whoamiCmd = &command{
	name:    "whoami",
	args:    "",
	summary: "show who the token belongs to",
	help: `Asks the registry whom the current token (LEGION_TOKEN, or the stored
one) belongs to and prints the username. Exits 3 when not logged in or when
the token is no longer valid.`,
	run: (*app).runWhoami,
}

func (a *app) runWhoami(ctx context.Context, fs *flagSet, args []string) error {
	fs.withRegistry().withJSON()
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("pkg whoami takes no arguments")
	}
	c, s, err := a.client(fs.registry, true)
	if err != nil {
		return wrap(err, "whoami")
	}
	u, err := c.Me(ctx)
	if err != nil {
		return wrap(reloginHint(err, s), "whoami")
	}
	if fs.json {
		return writeJSON(a.stdout, struct {
			Username    string     `json:"username"`
			Email       string     `json:"email,omitempty"`
			CreatedAt   *time.Time `json:"createdAt,omitempty"`
			Registry    string     `json:"registry"`
			TokenSource string     `json:"tokenSource"`
		}{u.Username, u.Email, nonZeroTime(u.CreatedAt), s.registry, tokenSourceName(s.tokenSource)})
	}
	fmt.Fprintln(a.stdout, textsafe.Text(u.Username))
	return nil
}

func nonZeroTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// tokenSourceName says where the token came from without the path.
func tokenSourceName(src string) string {
	if src == "LEGION_TOKEN" {
		return "env"
	}
	return "credentials"
}
