package vault

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanValues(t *testing.T) {
	dir, id := envTestVault(t)
	for _, cold := range []bool{true, false} {
		if cold {
			if err := forgetCloneState(dir); err != nil {
				t.Fatal(err)
			}
		}
		v, err := Open(dir, Options{Identity: id})
		if err != nil {
			t.Fatal(err)
		}
		values, skipped, err := v.ScanValues()
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(skipped) != 0 || len(values) != 4 {
			t.Fatalf("cold=%v: %d values, %d skipped, want 4 and 0", cold, len(values), len(skipped))
		}
		for _, sv := range values {
			if string(sv.Value) != "value of "+sv.Secret {
				t.Errorf("%s: wrong value", sv.Secret)
			}
		}
	}
}

func TestScanFileProblem(t *testing.T) {
	dir, _ := envTestVault(t)
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	entries, err := os.ReadDir(filepath.Join(dir, journalDir))
	if err != nil {
		t.Fatal(err)
	}
	entry := journalDir + "/" + entries[len(entries)-1].Name()
	secret := secretPath("app/a")
	for _, rel := range []string{vaultFileName, policyFileName, ".gitattributes", secretsDir + "/.keep", secret, entry} {
		if why := ScanFileProblem(rel, read(rel)); why != "" {
			t.Errorf("%s: %s, want part of the format", rel, why)
		}
	}
	// the .gitattributes of vaults made before the merge driver's policy line
	if why := ScanFileProblem(".gitattributes", []byte(legacyGitattributes)); why != "" {
		t.Errorf("legacy .gitattributes: %s", why)
	}
	for _, tt := range []struct{ rel, content, want string }{
		{"secrets/app/a.secret", "plaintext", "does not parse"},
		{"secrets/app/.a.secret.swp", "x", "no .secret extension"},
		{"secrets/app/a.secret~", "x", "no .secret extension"},
		{"secrets/app/a.txt", "x", "no .secret extension"},
		{"secrets/app/.a.secret.tmp-0123", "x", "temporary file"},
		{"journal/00000002-0123456789abcdef.entry", "plaintext", "does not parse"},
		{"journal/notes.txt", "x", "not a journal entry"},
		{"identity.key", "AGE-SECRET-KEY-1...", "not part of a tresor vault"},
		{".gitattributes", "* diff\n", "not the .gitattributes"},
		{"local/state", "x", "per-clone state"},
		{"other/x", "x", "not part of a tresor vault"},
	} {
		if why := ScanFileProblem(tt.rel, []byte(tt.content)); !strings.Contains(why, tt.want) {
			t.Errorf("%s: %q, want %q", tt.rel, why, tt.want)
		}
	}
	if name, ok := IsSecretFile(secret); !ok || name != "app/a" {
		t.Errorf("IsSecretFile(%s) = %q, %v", secret, name, ok)
	}
	if !IsJournalEntry(entry) || IsJournalEntry("journal/x") || IsJournalEntry(secret) {
		t.Error("IsJournalEntry")
	}
}
