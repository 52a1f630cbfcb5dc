package vault

import (
	"path/filepath"
	"strings"
	"testing"
)

// A name that differs from an existing one only by case is refused also
// when the existing one is the mixed-case one (Prod/Key, then prod/key):
// a macOS or Windows checkout would fold the two into one file. bad_input
// covers the other order.
func TestCaseCollisionWithMixedCaseNameFirst(t *testing.T) {
	alice := mustIdentity(t)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	// Prod/Key has a variable of its own, so that prod/key (PROD_KEY)
	// claims no variable it has: only the case check can refuse.
	env := "PROD_KEY_OLD"
	if _, err := v.Set("Prod/Key", []byte("value"), SetOptions{Env: &env}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Set("other", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		write func() error
		want  string // "" for allowed
	}{
		{"set prod/key", func() error { return set(t, v, "prod/key", "") }, "prod/key differs from the existing secret Prod/Key only by case"},
		{"set PROD/KEY", func() error { return set(t, v, "PROD/KEY", "") }, "PROD/KEY differs from the existing secret Prod/Key only by case"},
		{"set prod/Key", func() error { return set(t, v, "prod/Key", "") }, "prod/Key differs from the existing secret Prod/Key only by case"},
		{"mv other prod/key", func() error { _, err := v.Move("other", "prod/key"); return err }, "prod/key differs from the existing secret Prod/Key only by case"},
		{"set Prod/Key again", func() error { return set(t, v, "Prod/Key", "") }, ""},
		{"set prod/key2", func() error { return set(t, v, "prod/key2", "") }, ""},
	}
	for _, tt := range tests {
		before := journalLength(t, v)
		err := tt.write()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		case tt.want != "" && journalLength(t, v) != before:
			t.Errorf("%s: refused, but the journal grew", tt.name)
		}
	}
}
