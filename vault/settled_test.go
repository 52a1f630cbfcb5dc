package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Writes that keep a secret's value or metadata (rotate, meta, mv) refuse
// a secret with concurrent versions until a writer resolves it: one of the
// versions may be a write that does not stand, which they would otherwise
// sign again as current.
func TestWritesThatKeepTheValueRefuseConcurrentVersions(t *testing.T) {
	alice := mustIdentity(t)
	v, dir := initTestVault(t, alice, nil)
	if _, err := v.Set("app/x", []byte("v1"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	// A fork writes app/x; so does this clone; the fork's entry arrives
	// by a merge that keeps this clone's file.
	fork := filepath.Join(t.TempDir(), DirName)
	if err := os.CopyFS(fork, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	f, err := Open(fork, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Set("app/x", []byte("theirs"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := v.Set("app/x", []byte("ours"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(fork, journalDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		to := filepath.Join(dir, journalDir, e.Name())
		if _, err := os.Stat(to); err == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(fork, journalDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Open(dir, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for what, write := range map[string]func() error{
		"rotate": func() error { _, err := m.Rotate("app/x", RotateOptions{Value: []byte("new")}); return err },
		"meta":   func() error { _, _, err := m.Meta("app/x", MetaOptions{Exposed: "test"}); return err },
		"mv":     func() error { _, err := m.Move("app/x", "app/y"); return err },
	} {
		if err := write(); !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "app/x has concurrent versions") {
			t.Errorf("%s of a secret with concurrent versions: %v", what, err)
		}
	}
}
