package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// envVault makes a vault with n secrets readable by a new identity.
func envVault(b *testing.B, n int, classic bool) (string, *crypto.Identity) {
	b.Helper()
	dir := filepath.Join(b.TempDir(), DirName)
	id, err := crypto.Generate(classic)
	if err != nil {
		b.Fatal(err)
	}
	v, err := Init(dir, InitOptions{Member: "alice", Identity: id})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	for i := 0; i < n; i++ {
		if _, err := v.Set(fmt.Sprintf("app/secret-%04d", i), []byte(fmt.Sprintf("value-%d-%032d", i, i)), SetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	return dir, id
}

func benchmarkEnvironment(b *testing.B, n int, classic bool) {
	dir, id := envVault(b, n, classic)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := Open(dir, Options{Identity: id})
		if err != nil {
			b.Fatal(err)
		}
		env, err := v.Environment(Selector{})
		if err != nil || len(env.Vars) != n {
			b.Fatal(err)
		}
		v.Close()
	}
}

func BenchmarkEnvironment200Classic(b *testing.B)  { benchmarkEnvironment(b, 200, true) }
func BenchmarkEnvironment200PQ(b *testing.B)       { benchmarkEnvironment(b, 200, false) }
func BenchmarkEnvironment2000Classic(b *testing.B) { benchmarkEnvironment(b, 2000, true) }
func BenchmarkEnvironment2000PQ(b *testing.B)      { benchmarkEnvironment(b, 2000, false) }

var _ = os.Getenv
