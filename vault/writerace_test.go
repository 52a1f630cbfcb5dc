package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
)

func newTestVault(t *testing.T, warn func(string)) (*Vault, string) {
	t.Helper()
	alice, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	v, err = Open(dir, Options{Identity: alice, Warn: warn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, dir
}

// initTestVault makes a vault in a temporary directory whose only member
// is alice (identity id), on the clock now (nil: the real one), closed
// when the test ends.
func initTestVault(t *testing.T, id *crypto.Identity, now func() time.Time) (*Vault, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: id, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, dir
}

func journalCount(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, journalDir))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// A git checkout, pull or reset that changes the journal after a write
// verified it and before its entry is written: the write fails and
// writes nothing (the bug: set racing git checkout exited 0 and left a
// vault with a missing parent).
func TestWriteRefusesJournalChangedUnderIt(t *testing.T) {
	v, dir := newTestVault(t, nil)
	if _, err := v.Set("app/a", []byte("value-a"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	before := journalCount(t, dir)
	// What git does meanwhile: another branch's entry appears.
	testStep = func(step string) {
		if step == "files-written" {
			os.WriteFile(filepath.Join(dir, journalDir, "00000009-0123456789abcdef.entry"), []byte("x"), 0o644)
		}
	}
	defer func() { testStep = nil }()
	_, err := v.Set("app/b", []byte("value-b"), SetOptions{})
	if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "changed while this write was being prepared") {
		t.Fatalf("err = %v", err)
	}
	if got := journalCount(t, dir); got != before+1 { // only git's file
		t.Fatalf("journal has %d files, want %d", got, before+1)
	}
	if _, err := os.Stat(filepath.Join(dir, secretPath("app/b"))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("app/b was written: %v", err)
	}
	left, err := v.tempFiles()
	if err != nil || len(left) != 0 {
		t.Fatalf("temporary files left: %v %v", left, err)
	}
}

// Past the commit point, failing to save the verified state is a warning:
// the write stands, so a retry must not make a second version.
func TestStateSaveFailureAfterCommitIsAWarning(t *testing.T) {
	var warnings []string
	v, _ := newTestVault(t, func(s string) { warnings = append(warnings, s) })
	cs, err := v.state()
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(cs.dir, verifiedFile))
	// A directory where the state file goes: the rename over it fails.
	if err := os.Mkdir(filepath.Join(cs.dir, verifiedFile), 0o700); err != nil {
		t.Fatal(err)
	}
	h, err := v.Set("app/a", []byte("value-a"), SetOptions{})
	if err != nil {
		t.Fatalf("set failed although the write was committed: %v", err)
	}
	if h.Version != 1 || len(warnings) == 0 || !strings.Contains(warnings[len(warnings)-1], "the change is recorded") {
		t.Fatalf("version %d, warnings %q", h.Version, warnings)
	}
	got, _, err := v.Get("app/a")
	if err != nil || string(got) != "value-a" {
		t.Fatalf("get = %q, %v", got, err)
	}
}
