package vault

import "unicode/utf8"

// cutText is s when it fits in max bytes, else its longest start that
// does, cut on a character boundary, with "…" (within max): for reasons a
// header keeps and names quoted back in messages.
func cutText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
