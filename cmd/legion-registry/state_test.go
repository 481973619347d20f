package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
	"github.com/legion-registry/legion-go/legiontest"
)

// The -state file holds strong password hashes; without -state, hashing
// is cheap (nothing is kept).
func TestStatePasswordsStrong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	in := start(t, "-seed", seed, "-state", state)
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var snap struct {
		Users []struct {
			Password struct{ Iterations int } `json:"password"`
		} `json:"users"`
	}
	if err := json.Unmarshal(data, &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Users) == 0 || snap.Users[0].Password.Iterations != legiontest.StrongPasswordIterations {
		t.Errorf("state file users: %+v, want %d iterations", snap.Users, legiontest.StrongPasswordIterations)
	}
}

// A -state path that names a directory fails at start, loaded or not.
func TestStateNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stderr strings.Builder
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", dir}, io.Discard, &stderr); code != 1 {
		t.Errorf("-state naming a directory: exit %d, want 1; stderr %s", code, stderr.String())
	}
}

// A state loaded from -state is not written back at start (at 100,000
// packages that write cost seconds); it is written on shutdown.
func TestStateNotRewrittenAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	first := start(t, "-seed", seed, "-state", state)
	first.stop(t)
	// An indented copy: a rewrite would make it compact again.
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	indented, _ := json.MarshalIndent(v, "", "    ")
	if err := os.WriteFile(state, indented, 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, "-state", state)
	if got, _ := os.ReadFile(state); string(got) != string(indented) {
		t.Error("the state file was rewritten at start")
	}
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got, _ := os.ReadFile(state); string(got) == string(indented) {
		t.Error("the state file was not written on shutdown")
	}
}

func TestSeedFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	in := start(t, "-seed", seed)
	c := sdk(t, in.URL, legion.WithToken("lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"))
	ctx := context.Background()
	me, err := c.Me(ctx)
	if err != nil || me.Username != "bob" {
		t.Fatalf("Me with the seeded token: %+v, %v", me, err)
	}
	p, err := c.GetPackage(ctx, "legion-http")
	if err != nil || p.Latest.String() != "1.2.0" || p.Downloads != 43 {
		t.Fatalf("GetPackage: %+v, %v", p, err)
	}
	rep, err := c.Audit(ctx, map[string]string{"legion-http": "~1.0.0"})
	if err != nil || len(rep.Advisories) != 1 || rep.Advisories[0].Title != "Header injection" {
		t.Fatalf("Audit: %+v, %v", rep, err)
	}
}

func TestBadSeedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"typo.json":    `{"user": []}`,
		"invalid.json": `{"users": [{"username": "x", "email": "x", "password": "x"}]}`,
		"notjson.json": `users: []`,
	} {
		seed := filepath.Join(dir, name)
		os.WriteFile(seed, []byte(content), 0o600)
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-seed", seed}, io.Discard, &stderr); code != 1 {
			t.Errorf("%s: exit %d, want 1; stderr:\n%s", name, code, &stderr)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-seed", filepath.Join(dir, "missing.json")}, io.Discard, &stderr); code != 1 {
		t.Errorf("missing seed: exit %d, want 1", code)
	}
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "registry.json")
	ctx := context.Background()

	in := start(t, "-state", state, "-token-seed", "7")
	anon := sdk(t, in.URL)
	sess, err := anon.Signup(ctx, legion.SignupRequest{Username: "alice", Email: "alice@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil {
		t.Fatal(err)
	}
	token := sess.Token.Reveal()
	alice := sdk(t, in.URL, legion.WithToken(token))
	if _, err := alice.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0", License: "MIT"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.GetPackage(ctx, "legion-mylib"); err != nil { // one download
		t.Fatal(err)
	}
	if code := in.stop(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, in.stderr)
	}

	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatal("the state file is not valid JSON")
	}
	if bytes.Contains(data, []byte(token)) || bytes.Contains(data, []byte("hunter2xx")) {
		t.Fatal("the state file holds a clear-text secret")
	}
	assertNoTempFiles(t, dir)
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(state); fi.Mode().Perm() != 0o600 {
			t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
		}
	}

	// Restart from the file: the package, its downloads, the token and the
	// password are all there.
	in2 := start(t, "-state", state, "-token-seed", "7")
	alice2 := sdk(t, in2.URL, legion.WithToken(token))
	me, err := alice2.Me(ctx)
	if err != nil || me.Username != "alice" {
		t.Fatalf("Me with the old token after a restart: %+v, %v", me, err)
	}
	p, err := alice2.GetPackage(ctx, "legion-mylib")
	if err != nil || p.Latest.String() != "1.0.0" || p.Downloads != 2 {
		t.Fatalf("GetPackage after a restart: %+v, %v", p, err)
	}
	if _, err := sdk(t, in2.URL).Login(ctx, legion.LoginRequest{Username: "alice", Password: legion.NewSecret("hunter2xx")}); err != nil {
		t.Fatalf("Login after a restart: %v", err)
	}
	// The same token seed after a restore must not hand out a token that
	// clashes with a restored one.
	bob, err := sdk(t, in2.URL).Signup(ctx, legion.SignupRequest{Username: "bob", Email: "bob@example.com", Password: legion.NewSecret("hunter2xx")})
	if err != nil || bob.Token.Reveal() == token {
		t.Fatalf("Signup after a restart: %v (same token: %v)", err, err == nil && bob.Token.Reveal() == token)
	}
	if _, err := alice2.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.1.0"}); err != nil {
		t.Fatal(err)
	}
	if code := in2.stop(t); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, in2.stderr)
	}

	// And the second shutdown saved the second session's work.
	in3 := start(t, "-state", state)
	vs, err := sdk(t, in3.URL).ListVersions(ctx, "legion-mylib")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions after the second restart: %v, %v", vs, err)
	}
	if _, err := sdk(t, in3.URL).GetUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
}

func TestStateFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format": 99}`), 0o600)
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", bad}, io.Discard, &stderr); code != 1 {
		t.Errorf("a state file that does not restore: exit %d, want 1", code)
	}
	if b, _ := os.ReadFile(bad); string(b) != `{"format": 99}` {
		t.Error("a state file that did not restore was overwritten")
	}
	stderr.Reset()
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-state", filepath.Join(dir, "no", "such", "dir.json")}, io.Discard, &stderr); code != 1 {
		t.Errorf("a state file that cannot be written: exit %d, want 1", code)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	name := filepath.Join(dir, "state.json")
	if err := os.WriteFile(name, []byte(`{"old":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// A write that fails halfway leaves the old file whole and no debris.
	boom := errors.New("disk full")
	err := writeFileAtomic(name, func(w io.Writer) error {
		io.WriteString(w, `{"new":`)
		if b, _ := os.ReadFile(name); string(b) != `{"old":true}` {
			t.Errorf("while writing, the file reads %q", b)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if b, _ := os.ReadFile(name); string(b) != `{"old":true}` {
		t.Fatalf("after a failed write the file reads %q", b)
	}
	assertNoTempFiles(t, dir)

	if err := writeFileAtomic(name, func(w io.Writer) error { _, err := io.WriteString(w, `{"new":true}`); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != `{"new":true}` {
		t.Fatalf("after a write the file reads %q", b)
	}
	assertNoTempFiles(t, dir)
}
