package legion

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Secret holds a token or a password. It prints, formats, logs and encodes
// to JSON, XML, YAML, TOML, gob or any other text encoding
// (encoding.TextMarshaler) as "[redacted]", so a struct holding one (a
// Session, say) can be logged by any handler without leaking it; Reveal
// returns the value, for the one place that must store or send it.
//
// The value sits behind a function, so that printers and comparers that
// walk values by reflection (go-spew, go-cmp's Diff, testify, %+v of a
// struct whose Secret field is unexported, encoding/gob) reach a function
// pointer, never the text. Make one with NewSecret; the zero Secret is
// empty. Two Secrets are compared with Equal (go-cmp uses it), not ==.
type Secret struct {
	reveal func() string
}

const redacted = "[redacted]"

// NewSecret wraps value; it is never printed.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{reveal: func() string { return value }}
}

// Reveal returns the secret's value.
func (s Secret) Reveal() string {
	if s.reveal == nil {
		return ""
	}
	return s.reveal()
}

// IsZero reports an empty secret.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// Equal compares two secrets' values in constant time.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

func (s Secret) String() string             { return redacted }
func (s Secret) GoString() string           { return `legion.NewSecret("` + redacted + `")` }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }
func (s Secret) LogValue() slog.Value       { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + redacted + `"`), nil
}

// UnmarshalJSON reads a JSON string as the secret's value (null as empty),
// so that a token can come from a configuration file.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v == nil {
		*s = Secret{}
	} else {
		*s = NewSecret(*v)
	}
	return nil
}

// MarshalText makes encoders that know encoding.TextMarshaler (XML, YAML,
// TOML, CSV writers…) write "[redacted]" too.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// UnmarshalText reads text as the secret's value.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = NewSecret(string(b))
	return nil
}

// GobEncode makes encoding/gob write "[redacted]": a gob is as easily
// logged or cached as JSON.
func (s Secret) GobEncode() ([]byte, error) { return []byte(redacted), nil }

// GobDecode reads what GobEncode wrote (or any value) as the secret's value.
func (s *Secret) GobDecode(b []byte) error { return s.UnmarshalText(b) }
