package legiontest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	legion "github.com/legion-registry/legion-go"
)

// --- secrets ---

const (
	tokenPrefix   = "lgn_"
	tokenRandLen  = 32
	tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// validTokenFormat: lgn_ followed by 32 characters of [a-zA-Z0-9].
func validTokenFormat(t string) bool {
	rest, ok := strings.CutPrefix(t, tokenPrefix)
	if !ok || len(rest) != tokenRandLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(tokenAlphabet, rest[i]) < 0 {
			return false
		}
	}
	return true
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// randomTokenLocked draws a token from r.rng (r.mu held), by rejection
// sampling so every character is uniform.
func (r *Registry) randomTokenLocked() (string, error) {
	out := make([]byte, 0, len(tokenPrefix)+tokenRandLen)
	out = append(out, tokenPrefix...)
	var buf [48]byte
	for len(out) < cap(out) {
		if _, err := io.ReadFull(r.rng, buf[:]); err != nil {
			return "", fmt.Errorf("legiontest: generating a token: %w", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < cap(out) { // 248 = 4·62
				out = append(out, tokenAlphabet[b%62])
			}
		}
	}
	return string(out), nil
}

// newTokenLocked stores a token for u and returns its value. A given value
// (from seed data) is used as is; otherwise one is generated, retrying on
// the (astronomically unlikely) clash of a hash or short id.
func (r *Registry) newTokenLocked(st *state, u *userRec, name, value string, scopes []legion.Scope, now time.Time) (string, error) {
	for attempt := 0; ; attempt++ {
		tok := value
		if tok == "" {
			var err error
			if tok, err = r.randomTokenLocked(); err != nil {
				return "", err
			}
		}
		h, id := hashToken(tok), ShortID(tok)
		if st.tokens[h] != nil || st.tokenIDs[id] != nil {
			if value != "" || attempt > 10 {
				return "", fmt.Errorf("legiontest: token %s…%s clashes with an existing token", tok[:8], id)
			}
			continue
		}
		t := &tokenRec{
			hash:      h,
			id:        id,
			prefix:    tok[:8],
			name:      name,
			user:      u.username,
			scopes:    scopes,
			createdAt: now,
		}
		st.tokens[h] = t
		st.tokenIDs[id] = t
		u.tokens = append(u.tokens, t)
		return tok, nil
	}
}

// Passwords are stored as iterated, salted SHA-256: sum₀ = SHA-256(salt ‖
// password), sumᵢ = SHA-256(sumᵢ₋₁ ‖ salt), for the registry's iteration
// count (WithPasswordIterations). A test's passwords protect nothing, so
// the default is one round: seeding a thousand users costs no time. A
// registry whose state is written to disk (legion-registry -state) uses
// StrongPasswordIterations. Each hash keeps its own count, so a snapshot
// restores whatever it was written with.
const (
	passwordAlgorithm = "sha256-iterated"
	saltLen           = 16

	// DefaultPasswordIterations is the rounds of a registry built without
	// WithPasswordIterations.
	DefaultPasswordIterations = 1
	// StrongPasswordIterations is what legion-registry uses with -state.
	StrongPasswordIterations = 10_000
	maxPasswordIterations    = 10_000_000
)

type passwordHash struct {
	salt []byte
	sum  []byte
	iter int
}

func hashPassword(pw string, salt []byte, iter int) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	buf := h.Sum(make([]byte, 0, sha256.Size+len(salt)))
	buf = append(buf, salt...)
	for i := 1; i < iter; i++ {
		s := sha256.Sum256(buf)
		copy(buf, s[:])
	}
	return slices.Clone(buf[:sha256.Size])
}

func (r *Registry) newPasswordLocked(pw string) (passwordHash, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(r.rng, salt); err != nil {
		return passwordHash{}, fmt.Errorf("legiontest: generating a salt: %w", err)
	}
	return passwordHash{salt: salt, sum: hashPassword(pw, salt, r.pwIter), iter: r.pwIter}, nil
}

func (p passwordHash) verify(pw string) bool {
	if len(p.sum) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(hashPassword(pw, p.salt, p.iter), p.sum) == 1
}
