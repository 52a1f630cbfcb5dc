package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// completionVault makes a vault with n secret files (empty: completion
// reads names, never contents) and a hand-planted file with a name that is
// not a secret name.
func completionVault(tb testing.TB, n int) *Vault {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), DirName)
	id, err := crypto.Generate(true)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := Init(dir, InitOptions{Member: "alice", Identity: id})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { v.Close() })
	for i := range n {
		p := filepath.Join(dir, secretsDir, "app", fmt.Sprintf("s%04d%s", i, secretExt))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, secretsDir, "app", "bad name$.secret"), nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestCompletionNames(t *testing.T) {
	v := completionVault(t, 3)
	if got, want := v.CompletionSecretNames(), []string{"app/s0000", "app/s0001", "app/s0002"}; !slices.Equal(got, want) {
		t.Errorf("secret names = %q, want %q", got, want)
	}
	if got := v.CompletionMemberNames(); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("member names = %q", got)
	}
}

// BenchmarkCompletionSecretNames: what a Tab after tresor get costs in
// the vault, without process start (see docs/performance.md).
func BenchmarkCompletionSecretNames(b *testing.B) {
	v := completionVault(b, 1000)
	for b.Loop() {
		if len(v.CompletionSecretNames()) != 1000 {
			b.Fatal("names missing")
		}
	}
}
