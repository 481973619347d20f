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
	out := redactPasswords(slices.Clone(b), b)
	if bytes.Contains(out, []byte("lgn_")) {
		out = tokenShape.ReplaceAll(out, []byte("lgn_[redacted]"))
	}
	return out
}

// redactPasswords returns b with the value of every "password" field
// redacted (the key in any case, escapes decoded): re-encoded when b is
// JSON and holds one, else b, or out when out is not nil (a copy of b the
// caller may keep). A body that is not JSON has what looks like a field
// redacted.
func redactPasswords(out, b []byte) []byte {
	if out == nil {
		out = b
	}
	if !bytes.Contains(bytes.ToLower(b), []byte("pass")) {
		return out
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if json.Valid(b) && d.Decode(&v) == nil {
		if redactPasswordValues(v) {
			if enc, err := json.Marshal(v); err == nil {
				return enc
			}
		}
		return out
	}
	// Not JSON (or not only JSON): redact what looks like a field.
	return passwordText.ReplaceAll(b, []byte(`${1}"[redacted]"`))
}

// redactPasswordValues replaces every value under a key that equals
// "password" (as encoding/json would match it, ignoring case) and reports
// whether it replaced any.
func redactPasswordValues(v any) bool {
	var did bool
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.EqualFold(k, "password") {
				v[k] = "[redacted]"
				did = true
			} else if redactPasswordValues(x) {
				did = true
			}
		}
	case []any:
		for _, x := range v {
			if redactPasswordValues(x) {
				did = true
			}
		}
	}
	return did
}
