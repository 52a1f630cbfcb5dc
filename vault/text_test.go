package vault

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutText(t *testing.T) {
	for _, tt := range []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijk", 10, "abcdefg…"},
		{strings.Repeat("é", 10), 10, "ééé…"}, // é is 2 bytes: never half of one
	} {
		got := cutText(tt.s, tt.max)
		if got != tt.want || len(got) > tt.max || !utf8.ValidString(got) {
			t.Errorf("cutText(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}
