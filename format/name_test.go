package format_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

// nameOfLength returns a valid one-segment name of exactly n bytes.
func nameOfLength(n int) string { return strings.Repeat("a", n) }

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"password", true},
		{"prod/db/password", true},
		{"a", true},
		{"A-Z_0.9", true},
		{"prod/db.v2/pass-word_1", true},
		{"a..b", true}, // ".." inside a segment is just two dots, not a parent reference
		{"x.", true},
		{"1/2/3/4/5/6/7/8", true}, // exactly 8 deep
		{nameOfLength(format.MaxNameLength), true},

		{"", false},
		{"../x", false},
		{"..", false},
		{".", false},
		{"x/..", false},
		{"x/../y", false},
		{"x/./y", false},
		{".hidden", false},
		{"prod/.hidden", false},
		{"a//b", false},
		{"a/", false},
		{"/a", false},
		{"/", false},
		{nameOfLength(format.MaxNameLength + 1), false},
		{"1/2/3/4/5/6/7/8/9", false}, // 9 segments
		{"prod/pässword", false},     // non-ASCII
		{"prod/パスワード", false},
		{"prod/db password", false}, // space
		{" prod", false},
		{"prod ", false},
		{"prod\tdb", false},
		{"prod\ndb", false},
		{"prod\x00db", false},
		{"prod\\db", false},
		{"prod:db", false},
		{"prod*", false},
		{"C:/x", false},
		{"a\xffb", false}, // invalid UTF-8
	}
	for _, tt := range tests {
		err := format.ValidateName(tt.name)
		if tt.ok && err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", tt.name, err)
		}
		if !tt.ok {
			if err == nil {
				t.Errorf("ValidateName(%q) = nil, want an error", tt.name)
			} else if !errors.Is(err, format.ErrBadName) {
				t.Errorf("ValidateName(%q) = %v, want it to wrap ErrBadName", tt.name, err)
			}
		}
	}
}

func TestValidateNameLimitsAreExact(t *testing.T) {
	// 200 bytes spread over 8 segments is fine, 201 is not.
	seg := strings.Repeat("x", 24) // 8*24 + 7 = 199
	name := strings.Repeat(seg+"/", 7) + seg + "y"
	if len(name) != 200 {
		t.Fatalf("test name is %d bytes, want 200", len(name))
	}
	if err := format.ValidateName(name); err != nil {
		t.Errorf("200-byte, 8-deep name: %v", err)
	}
	if err := format.ValidateName(name + "z"); err == nil {
		t.Errorf("201-byte name accepted")
	}
}

func TestValidateNameErrorDoesNotEchoInput(t *testing.T) {
	// Names may be mistyped values; the error must not repeat them.
	const secretish = "hunter2 hunter2"
	err := format.ValidateName(secretish)
	if err == nil {
		t.Fatal("name with a space accepted")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q echoes the name", err)
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"prod", true},
		{"prod/", true},
		{"prod/db", true},
		{"prod/db/", true},
		{"/", true}, // trims to "", which means everything

		{"prod//", false},
		{"../", false},
		{".hidden/", false},
		{"/prod", false},
		{"prod db/", false},
		{"a//b/", false},
		{"1/2/3/4/5/6/7/8/9/", false},
	}
	for _, tt := range tests {
		err := format.ValidatePrefix(tt.prefix)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
		}
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		name, prefix string
		want         bool
	}{
		{"prod/db", "", true},
		{"prod/db", "/", true},
		{"prod/db", "prod", true},
		{"prod/db", "prod/", true},
		{"prod", "prod", true},
		{"prod", "prod/", true},
		{"prod/db/password", "prod/db", true},
		{"prod/db/password", "prod/db/", true},
		{"prod/db/password", "prod/db/password", true},

		{"production", "prod", false},
		{"production/db", "prod/", false},
		{"prod/dbx", "prod/db", false},
		{"prod", "prod/db", false},
		{"staging/db", "prod", false},
		{"Prod/db", "prod", false}, // case matters here; FoldName is for collisions
	}
	for _, tt := range tests {
		if got := format.HasPrefix(tt.name, tt.prefix); got != tt.want {
			t.Errorf("HasPrefix(%q, %q) = %v, want %v", tt.name, tt.prefix, got, tt.want)
		}
	}
}

func TestFoldName(t *testing.T) {
	if format.FoldName("Prod/DB") != format.FoldName("prod/db") {
		t.Error("names differing only by case fold to different keys")
	}
	if format.FoldName("prod/a") == format.FoldName("prod/b") {
		t.Error("different names fold to the same key")
	}
}

func TestValidateMemberName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ops-lead", true},
		{"ci_prod", true},
		{"a", true},
		{"0", true},
		{"9lives", true},
		{"a-", true},
		{strings.Repeat("a", 64), true},

		{"", false},
		{strings.Repeat("a", 65), false},
		{"-ops", false},
		{"_ops", false},
		{"Ops", false},
		{"ops lead", false},
		{"ops.lead", false},
		{"ops/lead", false},
		{"opś", false},
		{"ops\n", false},
	}
	for _, tt := range tests {
		err := format.ValidateMemberName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateMemberName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
