package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// TestAllInterfaces: ":0" listens everywhere, so the admin routes are off
// by default, and the printed URL is a loopback one that works.
func TestAllInterfaces(t *testing.T) {
	t.Parallel()
	in := start(t, "-addr", ":0")
	if !strings.HasPrefix(in.URL, "http://127.0.0.1:") {
		t.Fatalf("printed %q", in.URL)
	}
	if resp := do(t, "GET", in.URL+"/stats", "", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("GET /stats: %d", resp.StatusCode)
	}
	if resp := do(t, "GET", in.Root+"/_admin/requests", "", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("admin on a non-loopback address without -admin: %d, want 404", resp.StatusCode)
	}
}

func TestRateLimitFlag(t *testing.T) {
	t.Parallel()
	in := start(t, "-rate-limit", "2/1m")
	ctx := context.Background()
	anon := sdk(t, in.URL)
	a, err := anon.Signup(ctx, legion.SignupRequest{Username: "dave", Email: "dave@example.com", Password: legion.NewSecret("davepass1")})
	if err != nil {
		t.Fatal(err)
	}
	// Per token: dave's token gets 2 requests a minute, answered 429 with a
	// Retry-After after that.
	h := bearer(a.Token.Reveal())
	for i := range 2 {
		if resp := do(t, "GET", in.URL+"/auth/me", "", "", h, nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, resp.StatusCode)
		}
	}
	resp := do(t, "GET", in.URL+"/auth/me", "", "", h, nil)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || ra < 1 || ra > 60 {
		t.Fatalf("third request: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The SDK sees ErrRateLimited with RetryAfter when the wait is longer
	// than it may wait.
	_, err = sdk(t, in.URL, legion.WithToken(a.Token.Reveal())).Me(ctx)
	var le *legion.Error
	if !errors.Is(err, legion.ErrRateLimited) || !errors.As(err, &le) || le.RetryAfter <= 0 {
		t.Fatalf("SDK over the limit: %v", err)
	}
}

func TestRateLimitByAddress(t *testing.T) {
	t.Parallel()
	in := start(t, "-rate-limit", "1/m", "-rate-limit-by", "address")
	do(t, "GET", in.URL+"/stats", "", "", nil, nil)
	// A token does not give a fresh allowance when counting by address.
	resp := do(t, "GET", in.URL+"/stats", "", "", bearer("lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"), nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second request from the address: %d", resp.StatusCode)
	}
}

func TestFaultFlagPublishNotRetried(t *testing.T) {
	t.Parallel()
	in := start(t, "-fault", "POST /packages/publish 503:2", "-fault", "* /api/v1/users/* 500")
	ctx := context.Background()
	s, err := sdk(t, in.URL).Signup(ctx, legion.SignupRequest{Username: "erin", Email: "erin@example.com", Password: legion.NewSecret("erinpass1")})
	if err != nil {
		t.Fatal(err)
	}
	c := sdk(t, in.URL, legion.WithToken(s.Token.Reveal()))
	req := legion.PublishRequest{Name: "legion-erin", Version: "1.0.0"}
	for i := range 2 {
		_, err := c.Publish(ctx, req)
		var le *legion.Error
		if !errors.As(err, &le) || le.StatusCode != 503 || le.Attempts != 1 {
			t.Fatalf("publish %d under the fault: %v", i+1, err)
		}
	}
	if _, err := c.Publish(ctx, req); err != nil {
		t.Fatalf("publish after the fault ran out: %v", err)
	}
	// A -fault path given with /api/v1 works the same.
	if _, err := c.GetUser(ctx, "erin"); !errors.Is(err, legion.ErrServer) {
		t.Fatalf("GetUser under '* /api/v1/users/* 500': %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-addr", "nope"},
		{"-rate-limit", "5"},
		{"-rate-limit", "x/1m"},
		{"-rate-limit", "5/0s"},
		{"-rate-limit", "5/fortnight"},
		{"-rate-limit-by", "ip"},
		{"-fault", "GET /x"},
		{"-fault", "GET /x 700"},
		{"-fault", "GET /x 500:0"},
		{"-fault", "GET /x[ 500"},
		{"-fault", "GET x 500"},
		{"-fault", "G3T /x 500"},
		{"-token-seed", "-1"},
		{"-body-timeout", "0s"},
		{"-admin=maybe"},
		{"-nope"},
		{"stray"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "usage: legion-registry") {
			t.Errorf("%q: no usage on stderr:\n%s", args, &stderr)
		}
		if stdout.Len() != 0 {
			t.Errorf("%q: wrote %q on stdout", args, &stdout)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, io.Discard, &stderr); code != 0 || !strings.Contains(stderr.String(), "-rate-limit") {
		t.Errorf("-h: exit %d, usage:\n%s", code, &stderr)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]int64{
		"60/1m": {60, int64(time.Minute)}, "10/30s": {10, int64(30 * time.Second)},
		"100/h": {100, int64(time.Hour)}, "0/1s": {0, int64(time.Second)},
	} {
		n, w, err := parseRate(in)
		if err != nil || int64(n) != want[0] || int64(w) != want[1] {
			t.Errorf("parseRate(%q) = %d, %v, %v", in, n, w, err)
		}
	}
	for _, in := range []string{"x/1m", "1/0s", "-1/1m"} {
		if _, _, err := parseRate(in); err == nil {
			t.Errorf("parseRate(%q) accepted it", in)
		}
	}
}

// TestSignalShutdown runs the command as a process and stops it with
// SIGTERM, as a developer's Ctrl-C or a service manager would.
func TestSignalShutdown(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEGION_REGISTRY_MAIN=1", "LEGION_REGISTRY_ARGS=-addr 127.0.0.1:0 -state "+state)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 0, 64)
	for b := make([]byte, 1); !bytes.HasSuffix(line, []byte("\n")); {
		if _, err := stdout.Read(b); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("reading the URL: %v; stderr:\n%s", err, &stderr)
		}
		line = append(line, b[0])
	}
	url := strings.TrimSpace(string(line))
	if _, err := sdk(t, url).Signup(context.Background(), legion.SignupRequest{Username: "frank", Email: "frank@example.com", Password: legion.NewSecret("frankpass1")}); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit: %v; stderr:\n%s", err, &stderr)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit within 10s of SIGTERM")
	}
	data, err := os.ReadFile(state)
	if err != nil || !bytes.Contains(data, []byte(`"frank"`)) {
		t.Fatalf("state after SIGTERM: %v\n%s", err, data)
	}
}

// TestFaultPatterns checks that -fault and the admin route accept "**"
// and refuse, with an error naming it, a pattern no route can match.
func TestFaultPatterns(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-fault", "GET /pkgs/* 500"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `"GET /pkgs/*" matches no route`) {
		t.Errorf("-fault 'GET /pkgs/* 500': exit %d, stderr:\n%s", code, &stderr)
	}
	in := start(t, "-fault", "GET /packages/** 503")
	if resp := do(t, "GET", in.URL+"/packages/lib/1.0.0/download", "", "", nil, nil); resp.StatusCode != 503 {
		t.Errorf("GET a download under 'GET /packages/** 503': %d", resp.StatusCode)
	}
	var ans struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
	}
	resp := do(t, "POST", in.Root+"/_admin/faults", "application/json", `{"method":"GET","path":"/stats/*","status":500}`, nil, &ans)
	if resp.StatusCode != 400 || !strings.Contains(ans.Error, "/stats/*") {
		t.Errorf("admin fault on /stats/*: %d %+v", resp.StatusCode, ans)
	}
}

// TestStalledBody checks that the standalone server answers a body that
// stalls (Content-Length 100, 15 bytes sent) with a JSON 408 within
// -body-timeout instead of holding the handler forever.
func TestStalledBody(t *testing.T) {
	t.Parallel()
	in := start(t, "-body-timeout", "200ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.Root, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"username\":\"a"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"success":false`) {
		t.Errorf("stalled body: %d %s", resp.StatusCode, body)
	}
}
