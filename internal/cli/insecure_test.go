package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// roundTripFunc answers requests in memory, so a test can pose as a remote
// registry without any network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestPlainHTTPNeedsOptIn: a token is never sent over plain http:// to a
// host that is not loopback, unless LEGION_INSECURE_HTTP=1 says so.
func TestPlainHTTPNeedsOptIn(t *testing.T) {
	t.Parallel()
	var sent []string
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization"))
		body := `{"success":true,"user":{"username":"alice","email":"a@example.com"}}`
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})}
	run := func(extra map[string]string) (string, int) {
		env := map[string]string{"HOME": t.TempDir(), "LEGION_TOKEN": "lgn_abcdefabcdefabcdefabcdef",
			"LEGION_REGISTRY": "http://registry.invalid/api/v1"}
		for k, v := range extra {
			env[k] = v
		}
		var out, errb bytes.Buffer
		code := Main(context.Background(), []string{"pkg", "whoami"}, Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Dir: t.TempDir(), HTTPClient: hc,
			LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		})
		return errb.String(), code
	}
	errs, code := run(nil)
	if code != ExitUsage || !strings.Contains(errs, "is plain http:// to a host that is not loopback") || !strings.Contains(errs, "LEGION_INSECURE_HTTP=1") {
		t.Errorf("without the opt-in: exit %d, %s", code, errs)
	}
	if len(sent) != 0 {
		t.Fatalf("sent without the opt-in: %v", sent)
	}
	if errs, code := run(map[string]string{"LEGION_INSECURE_HTTP": "1"}); code != 0 {
		t.Fatalf("with the opt-in: exit %d, %s", code, errs)
	}
	if len(sent) != 1 || !strings.HasSuffix(sent[0], "Bearer lgn_abcdefabcdefabcdefabcdef") {
		t.Errorf("with the opt-in sent %v", sent)
	}
}
