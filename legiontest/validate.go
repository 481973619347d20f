package legiontest

import (
	"fmt"
	"sort"
	"strings"

	legion "github.com/legion-registry/legion-go"
)

// --- validation ---

// validPackageName: 1–64 characters of [a-z0-9._-], starting with a letter
// or digit.
func validPackageName(s string) bool {
	if len(s) < 1 || len(s) > 64 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

const nameRule = "must be 1-64 characters of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"

// validUsername: 3–32 characters of [a-z0-9_-], starting with a letter or
// digit.
func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

const usernameRule = "must be 3-32 characters of lowercase letters, digits, '_' or '-', starting with a letter or digit"

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// validEmail: one '@' with something before it, and a domain holding a dot
// that neither starts nor ends it; no spaces or control characters.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && domain[0] != '.'
}

const emailRule = "must be an address like name@example.com"

// Limits on what a version carries, so that one publish cannot make every
// listing, search page and /stats answer heavy. Lengths in characters as
// JavaScript's length counts them (UTF-16 code units: an emoji is 2),
// except the readme's, in bytes. A longer value is answered 400 naming the
// field; seeds and -state files are held to the same limits.
const (
	MaxDescriptionLen = 1000
	MaxLicenseLen     = 100
	MaxReadmeBytes    = 64 << 10
	MaxKeywords       = 32
	MaxKeywordLen     = 50
	MaxDependencies   = 256
)

// checkSizes reports the first field of req over its limit.
func checkSizes(req legion.PublishRequest) string {
	switch {
	case jsLen(req.Description) > MaxDescriptionLen:
		return fmt.Sprintf("description must be at most %d characters", MaxDescriptionLen)
	case jsLen(req.License) > MaxLicenseLen:
		return fmt.Sprintf("license must be at most %d characters", MaxLicenseLen)
	case len(req.Readme) > MaxReadmeBytes:
		return fmt.Sprintf("readme must be at most %d bytes", MaxReadmeBytes)
	case len(req.Keywords) > MaxKeywords:
		return fmt.Sprintf("keywords must hold at most %d keywords", MaxKeywords)
	case len(req.Dependencies) > MaxDependencies:
		return fmt.Sprintf("dependencies must hold at most %d packages", MaxDependencies)
	}
	for i, k := range req.Keywords {
		if jsLen(k) > MaxKeywordLen {
			return fmt.Sprintf("keywords[%d] must be at most %d characters", i, MaxKeywordLen)
		}
	}
	return ""
}

const minPassword = 8

func validPassword(s string) bool { return jsLen(s) >= minPassword }

// reservedNames would collide with the routes POST /packages/publish and
// /packages/unpublish.
func reservedName(s string) bool { return s == "publish" || s == "unpublish" }

// canonicalScopes checks and orders scopes (read before publish, no
// duplicates); bad names the first unknown scope.
func canonicalScopes(in []legion.Scope) (out []legion.Scope, bad string, ok bool) {
	var read, publish bool
	for _, s := range in {
		switch s {
		case legion.ScopeRead:
			read = true
		case legion.ScopePublish:
			publish = true
		default:
			return nil, string(s), false
		}
	}
	if read {
		out = append(out, legion.ScopeRead)
	}
	if publish {
		out = append(out, legion.ScopePublish)
	}
	return out, "", len(out) > 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsLen is s.length in JavaScript: UTF-16 code units, so that a limit
// refuses what a JavaScript registry would (a character outside the Basic
// Multilingual Plane counts 2).
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
