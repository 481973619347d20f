package legion_test

import (
	"testing"

	legion "github.com/legion-registry/legion-go"
)

func TestShortID(t *testing.T) {
	t.Parallel()
	for token, want := range map[string]string{
		"lgn_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345": "YZ012345",
		"lgn_123456789":                        "23456789",
		"lgn_12345678":                         "", // no more than an id
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345":     "", // not a Legion token
		"":                                     "",
	} {
		if got := legion.ShortID(token); got != want {
			t.Errorf("ShortID(%q) = %q, want %q", token, got, want)
		}
	}
}
