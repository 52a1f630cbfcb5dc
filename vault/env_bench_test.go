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

// benchmarkEnvironment reads every secret, n times over; forget, when not
// nil, removes local state before each read (untimed).
func benchmarkEnvironment(b *testing.B, n int, classic bool, forget func(dir string) error) {
	dir, id := envVault(b, n, classic)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if forget != nil {
			b.StopTimer()
			if err := forget(dir); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
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

// forgetAll makes a fresh clone: no local state, so the journal is
// verified and every file unwrapped.
func forgetAll(dir string) error { return forgetCloneState(dir) }

// forgetFileKeys keeps the verified state but drops the file key cache:
// every file is unwrapped.
func forgetFileKeys(dir string) error {
	v, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	state, err := cloneStateDir(v.Dir, v.File.ID)
	if err != nil {
		return err
	}
	caches, err := filepath.Glob(filepath.Join(state, "filekeys-*"))
	for _, c := range caches {
		if err := os.Remove(c); err != nil {
			return err
		}
	}
	return err
}

// Warm: the laptop case, everything cached.
func BenchmarkEnvironment200Classic(b *testing.B)  { benchmarkEnvironment(b, 200, true, nil) }
func BenchmarkEnvironment200PQ(b *testing.B)       { benchmarkEnvironment(b, 200, false, nil) }
func BenchmarkEnvironment2000Classic(b *testing.B) { benchmarkEnvironment(b, 2000, true, nil) }
func BenchmarkEnvironment2000PQ(b *testing.B)      { benchmarkEnvironment(b, 2000, false, nil) }

// Cold: the fresh clone (CI) case.
func BenchmarkEnvironmentCold200Classic(b *testing.B) { benchmarkEnvironment(b, 200, true, forgetAll) }
func BenchmarkEnvironmentCold200PQ(b *testing.B)      { benchmarkEnvironment(b, 200, false, forgetAll) }

// Unwrap: verified, but no file keys cached.
func BenchmarkEnvironmentUnwrap200Classic(b *testing.B) {
	benchmarkEnvironment(b, 200, true, forgetFileKeys)
}
func BenchmarkEnvironmentUnwrap200PQ(b *testing.B) {
	benchmarkEnvironment(b, 200, false, forgetFileKeys)
}

func BenchmarkEnvironmentCold2000PQ(b *testing.B) { benchmarkEnvironment(b, 2000, false, forgetAll) }
