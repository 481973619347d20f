package legiontest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// --- redaction ---

var (
	tokenShape   = regexp.MustCompile(`lgn_[A-Za-z0-9]{32}`)
	passwordText = regexp.MustCompile(`(?i)("password"\s*:\s*)"(?:[^"\\]|\\.)*"?`)
)

func redactTokens(s string) string {
	if !strings.Contains(s, "lgn_") {
		return s
	}
	return tokenShape.ReplaceAllString(s, "lgn_[redacted]")
}

// redactQuery redacts token-shaped values and password parameters.
func redactQuery(raw string) string {
	if strings.Contains(strings.ToLower(raw), "pass") {
		if q, err := url.ParseQuery(raw); err == nil {
			var did bool
			for k := range q {
				if strings.EqualFold(k, "password") {
					q[k] = []string{"[redacted]"}
					did = true
				}
			}
			if did {
				raw = q.Encode()
			}
		}
	}
	return redactTokens(raw)
}

// redactBody returns a copy of b fit for the request record.
func redactBody(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	out := slices.Clone(b)
	if bytes.Contains(bytes.ToLower(out), []byte("pass")) {
		var v any
		d := json.NewDecoder(bytes.NewReader(out))
		d.UseNumber()
		if json.Valid(out) && d.Decode(&v) == nil {
			if redactPasswords(v) {
				if enc, err := json.Marshal(v); err == nil {
					out = enc
				}
			}
		} else {
			// Not JSON (or not only JSON): redact what looks like a field.
			out = passwordText.ReplaceAll(out, []byte(`${1}"[redacted]"`))
		}
	}
	if bytes.Contains(out, []byte("lgn_")) {
		out = tokenShape.ReplaceAll(out, []byte("lgn_[redacted]"))
	}
	return out
}

// redactPasswords replaces every value under a key that equals "password"
// (as encoding/json would match it, ignoring case) and reports whether it
// replaced any.
func redactPasswords(v any) bool {
	var did bool
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.EqualFold(k, "password") {
				v[k] = "[redacted]"
				did = true
			} else if redactPasswords(x) {
				did = true
			}
		}
	case []any:
		for _, x := range v {
			if redactPasswords(x) {
				did = true
			}
		}
	}
	return did
}
