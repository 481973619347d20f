package legion

import "strings"

// ShortID returns the short id of a full token (lgn_…): its last 8
// characters, the id ListTokens shows and RevokeToken takes. A token
// reaper matches the token it holds against the listing with it, without
// ever sending the token. It returns "" for a value too short to be a
// Legion token (lgn_ and more than 8 characters), so that a mistake
// cannot name some other token's id.
func ShortID(token string) string {
	if !strings.HasPrefix(token, "lgn_") || len(token) <= len("lgn_")+8 {
		return ""
	}
	return token[len(token)-8:]
}
