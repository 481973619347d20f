package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
