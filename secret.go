package legion

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret holds a token or a password. It prints, formats, logs and encodes
// to JSON, XML, YAML, TOML or any other text encoding (encoding.TextMarshaler)
// as "[redacted]", so a struct holding one (a Session, say) can be
// logged by any handler without leaking it; Reveal returns the value, for
// the one place that must store or send it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string             { return redacted }
func (s Secret) GoString() string           { return `legion.Secret("` + redacted + `")` }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }
func (s Secret) LogValue() slog.Value       { return slog.StringValue(redacted) }
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + redacted + `"`), nil
}

// MarshalText makes encoders that know encoding.TextMarshaler (XML, YAML,
// TOML, CSV writers…) write "[redacted]" too.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
