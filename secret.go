package legion

import (
	"fmt"
	"io"
	"log/slog"
)

// Secret holds a token or a password. It prints, formats and logs as
// "[redacted]" whatever the verb, so a struct holding one can be logged
// safely; Reveal returns the value. JSON encoding keeps the real value,
// because a caller that stores a token (a credentials file) needs it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string             { return redacted }
func (s Secret) GoString() string           { return `legion.Secret("` + redacted + `")` }
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }
func (s Secret) LogValue() slog.Value       { return slog.StringValue(redacted) }
