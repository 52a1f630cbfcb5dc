package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The merge driver keeps one side's bytes whole in every case (never
// conflict markers), is clean only when git may record the merge, and asks
// for tresor resolve when the journal will hold concurrent versions.
func TestMergeSecretFiles(t *testing.T) {
	alice := mustIdentity(t)
	stranger := mustIdentity(t)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	fileOf := func(name, value string) []byte {
		t.Helper()
		if _, err := v.Set(name, []byte(value), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		b, err := v.readFile(secretPath(name), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := fileOf("app/token", "one")
	ours := fileOf("app/token", "two")
	theirs := fileOf("app/token", "three")
	same := fileOf("app/token", "three") // the same value, encrypted again
	other := fileOf("app/other", "three")
	markers := []byte("<<<<<<< ours\n" + string(ours) + "=======\n" + string(theirs) + ">>>>>>> theirs\n")

	tests := []struct {
		name                string
		base, ours, theirs  []byte
		id                  bool
		want                []byte
		clean, needsResolve bool
		why                 string
	}{
		{"only theirs changed", base, base, theirs, true, theirs, true, false, ""},
		{"only ours changed", base, ours, base, true, ours, true, false, ""},
		{"identical bytes", base, theirs, theirs, false, theirs, true, false, ""},
		{"same value, new ciphertext", ours, theirs, same, true, theirs, true, true, "same value"},
		{"both changed the value", base, ours, theirs, true, ours, false, true, "changed its value"},
		{"not a reader cannot compare", ours, theirs, same, false, theirs, false, true, "cannot read"},
		{"different secrets", base, ours, other, true, ours, false, false, "different secrets"},
		{"markers on one side", base, ours, markers, true, ours, false, false, "not a valid secret file"},
		{"added on both sides", nil, ours, theirs, true, ours, false, true, "changed its value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := stranger
			if tt.id {
				id = alice
			}
			m := MergeSecretFiles(tt.base, tt.ours, tt.theirs, id)
			if !bytes.Equal(m.Result, tt.want) {
				t.Errorf("result is not the expected side's bytes")
			}
			if bytes.Contains(m.Result, []byte("<<<<<<<")) && !bytes.Equal(m.Result, tt.ours) {
				t.Errorf("conflict markers written")
			}
			if m.Clean != tt.clean || m.NeedsResolve != tt.needsResolve {
				t.Errorf("clean %v, needs resolve %v; want %v, %v", m.Clean, m.NeedsResolve, tt.clean, tt.needsResolve)
			}
			if !strings.Contains(m.Why, tt.why) {
				t.Errorf("why %q, want it to say %q", m.Why, tt.why)
			}
			if m.Name != "app/token" {
				t.Errorf("name %q", m.Name)
			}
		})
	}
}

// textconv decrypts through the checked path: a reader gets the value, a
// non-reader ErrNotReader, and nothing is learned into a read key ring.
func TestDecryptForDisplay(t *testing.T) {
	alice := mustIdentity(t)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Set("app/token", []byte("s3cret-value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := v.readFile(secretPath("app/token"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	sf, value, err := DecryptForDisplay(b, alice)
	if err != nil || string(value) != "s3cret-value" || sf.Header.Name != "app/token" {
		t.Fatalf("reader: %v %q", err, value)
	}
	if _, _, err := DecryptForDisplay(b, mustIdentity(t)); err != ErrNotReader {
		t.Fatalf("non-reader: %v", err)
	}
	if _, _, err := DecryptForDisplay(b, nil); err != ErrNotReader {
		t.Fatalf("no identity: %v", err)
	}
}

// Vaults made before the policy.yaml line keep their .gitattributes: it is
// still part of the vault; any other content is a finding.
func TestLegacyGitattributesAccepted(t *testing.T) {
	for _, tt := range []struct {
		content string
		ok      bool
	}{
		{gitattributes, true},
		{legacyGitattributes, true},
		{"*.secret diff=tresor merge=tresor -text\n", false},
	} {
		alice := mustIdentity(t)
		dir := filepath.Join(t.TempDir(), DirName)
		v, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".gitattributes"), []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := v.Verify(VerifyOptions{})
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() != tt.ok {
			t.Errorf("%q: ok %v, want %v (%v)", tt.content, rep.OK(), tt.ok, rep.Findings)
		}
	}
}

// Whatever git hands the merge driver, the result is one side's bytes
// whole (never a mix, never markers), and a conflict keeps ours.
func FuzzMergeSecretFiles(f *testing.F) {
	f.Add([]byte(""), []byte("a"), []byte("b"))
	f.Add([]byte("tresor: secret/v1\nname: x\n---\n"), []byte("<<<<<<< ours\n"), []byte("tresor: secret/v1\n"))
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		m := MergeSecretFiles(base, ours, theirs, nil)
		if !bytes.Equal(m.Result, ours) && !bytes.Equal(m.Result, theirs) {
			t.Fatal("result is neither side")
		}
		if !m.Clean && !bytes.Equal(m.Result, ours) {
			t.Fatal("a conflict did not keep ours")
		}
	})
}
