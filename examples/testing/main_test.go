package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

func TestReleaseBotCommand(t *testing.T) {
	t.Parallel()
	srv := legiontest.NewServer(t)
	tok, err := srv.AddUser("ci-bot", "ci@example.com", "ci-bot-pass")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "legion.json"), []byte(`{"name":"legion-widget","version":"1.0.0","license":"MIT","dependencies":{"legion-http":"^1.0.0"}}`), 0o600)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# legion-widget\n"), 0o600)
	env := map[string]string{"LEGION_REGISTRY": srv.URL, "LEGION_TOKEN": tok}

	for i, want := range []string{"published", "already-published"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"-dir", dir}, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i+1, code, &stderr)
		}
		var rep struct{ Name, Version, Action string }
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Action != want || rep.Version != "1.0.0" {
			t.Fatalf("run %d: %s (%v), want action %s", i+1, &stdout, err, want)
		}
	}
	if vs := srv.Versions("legion-widget"); len(vs) != 1 || vs[0].Readme != "# legion-widget\n" {
		t.Fatalf("published: %+v", vs)
	}

	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-dir", t.TempDir()}, func(k string) string { return env[k] }, &bytes.Buffer{}, &stderr); code != 1 {
		t.Errorf("no legion.json: exit %d", code)
	}
	if code := run(context.Background(), []string{"-dir", dir}, func(string) string { return "" }, &bytes.Buffer{}, &stderr); code != 1 {
		t.Errorf("no LEGION_TOKEN: exit %d", code)
	}
	if code := run(context.Background(), []string{"-bogus"}, func(string) string { return "" }, &bytes.Buffer{}, &stderr); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}
