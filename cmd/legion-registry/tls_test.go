package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"

	legion "github.com/legion-registry/legion-go"
)

// -tls serves HTTPS with a certificate it prints; a client that trusts
// that certificate connects, others do not.
func TestTLSFlag(t *testing.T) {
	t.Parallel()
	in := start(t, "-tls")
	if !strings.HasPrefix(in.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %s", in.URL)
	}
	logs := in.stderr.String()
	i := strings.Index(logs, "-----BEGIN CERTIFICATE-----")
	j := strings.Index(logs, "-----END CERTIFICATE-----")
	if i < 0 || j < i {
		t.Fatalf("no certificate printed on stderr:\n%s", logs)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(logs[i : j+len("-----END CERTIFICATE-----")])) {
		t.Fatal("the printed certificate does not parse")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if _, err := sdk(t, in.URL, legion.WithHTTPClient(hc)).Stats(context.Background()); err != nil {
		t.Fatalf("Stats trusting the printed certificate: %v", err)
	}
	if resp, err := http.Get(in.URL + "/stats"); err == nil {
		resp.Body.Close()
		t.Error("a client without the certificate connected")
	}
}
