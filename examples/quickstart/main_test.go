package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/legion-registry/legion-go/legiontest"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var fullToken = regexp.MustCompile(`lgn_[A-Za-z0-9]{32}`)

func TestQuickstartOnTheEmbeddedFake(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), &out, env(nil)); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	got := out.String()
	for _, want := range []string{
		"embedded fake registry",
		"1. Sign up", "signed up as alice",
		"2. Publish two versions", "published legion-greeter@1.0.0", "published legion-greeter@1.1.0",
		"3. Publish legion-greeter@1.0.0 again", "errors.Is(err, legion.ErrConflict) = true: 409",
		"4. Search \"http\"", "legion-http", "legion-router",
		"5. Info", "legion-greeter 1.1.0 by alice, MIT, 1 download(s)",
		"6. Versions", "1.0.0    published", "1.1.0    published",
		"7. Download legion-greeter@latest", "latest is legion-greeter@1.1.0",
		"8. Tokens", `created "quickstart CI"`, "quickstart CI  [read]", "legion.ErrUnauthorized (401)",
		"9. Audit", "1 advisory(ies), clean=false", "[HIGH] LEGION-0001 legion-http: Response splitting",
		"10. Stats", "4 packages, 3 users",
		"done.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if fullToken.MatchString(got) {
		t.Error("the output shows a full token")
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
}

// TestQuickstartAgainstARegistry runs it as against a real registry
// (LEGION_REGISTRY and LEGION_TOKEN), here a legiontest server.
func TestQuickstartAgainstARegistry(t *testing.T) {
	t.Parallel()
	srv := legiontest.NewServer(t, legiontest.WithSeed(seed()))
	tok, err := srv.AddUser("dana", "dana@example.com", "danasecret1")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, env(map[string]string{"LEGION_REGISTRY": srv.URL, "LEGION_TOKEN": tok})); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	got := out.String()
	m := regexp.MustCompile(`published (quickstart-dana-[a-z0-9]{6})@1\.0\.0`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no uniquely named package published:\n%s", got)
	}
	if strings.Contains(got, "Sign up") || !strings.Contains(got, "authenticated as dana") {
		t.Errorf("should skip sign-up and say who it is:\n%s", got)
	}
	if !strings.Contains(got, "cleanup: unpublished "+m[1]) {
		t.Errorf("no cleanup:\n%s", got)
	}
	if _, ok := srv.Package(m[1]); ok {
		t.Errorf("%s is still published", m[1])
	}
	// Running it again works: nothing collides.
	out.Reset()
	if err := run(context.Background(), &out, env(map[string]string{"LEGION_REGISTRY": srv.URL, "LEGION_TOKEN": tok})); err != nil {
		t.Fatalf("second run: %v\n%s", err, &out)
	}
}

func TestQuickstartErrors(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, env(map[string]string{"LEGION_REGISTRY": "http://127.0.0.1:1/api/v1"}))
	if err == nil || !strings.Contains(err.Error(), "LEGION_TOKEN") {
		t.Fatalf("LEGION_REGISTRY without LEGION_TOKEN: %v", err)
	}
	// A registry that refuses the token is an error (the process exits 1).
	srv := legiontest.NewServer(t)
	err = run(context.Background(), &out, env(map[string]string{"LEGION_REGISTRY": srv.URL, "LEGION_TOKEN": "lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("an unknown token: %v", err)
	}
}
