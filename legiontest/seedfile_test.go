package legiontest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

const seedFileJSON = `{
  "users": [{"username": "bob", "email": "bob@example.com", "password": "bobsecret1",
             "tokens": [{"name": "ci", "value": "lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}]}],
  "packages": [{"name": "legion-http", "owner": "bob", "versions": [{"version": "1.0.0"}], "downloads": 42}]
}`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWithSeedFile(t *testing.T) {
	t.Parallel()
	srv := legiontest.NewServer(t, legiontest.WithSeedFile(writeFile(t, seedFileJSON)))
	if srv.Downloads("legion-http") != 42 {
		t.Errorf("downloads = %d, want the seed's 42", srv.Downloads("legion-http"))
	}
	s, err := legiontest.LoadSeed(writeFile(t, seedFileJSON))
	if err != nil || len(s.Users) != 1 || s.Users[0].Tokens[0].Value != "lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" {
		t.Errorf("LoadSeed = %+v, %v", s, err)
	}
}

// LoadSeed is as strict as legion-registry -seed.
func TestLoadSeedStrict(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ content, msg string }{
		"unknown field": {`{"users":[{"username":"bob","emial":"bob@example.com"}]}`, `unknown field "emial"`},
		"a key in another case": {`{"packages":[{"name":"lib","owner":"bob","versions":[{"Version":"1.0.0"}]}]}`,
			`packages[0].versions[0]: unknown field "Version" (keys are case-sensitive: "version")`},
		"trailing data":   {`{} {}`, "data after the JSON object"},
		"not JSON":        {`users: []`, "invalid character"},
		"invalid content": {`{"users":[{"username":"Bob","email":"bob@example.com","password":"bobsecret1"}]}`, "username"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := legiontest.NewRegistry(legiontest.WithSeedFile(writeFile(t, tc.content)))
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want one containing %q", err, tc.msg)
			}
		})
	}
	if _, err := legiontest.LoadSeed(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadSeed of a missing file: no error")
	}
}
