package vault

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A large vault for the journal benchmarks: 10,000 secrets and 100,000
// journal entries, built once per test binary run. TRESOR_BENCH_ENTRIES and
// TRESOR_BENCH_SECRETS override the sizes.
var (
	bigOnce  sync.Once
	bigDir   string
	bigID    *crypto.Identity
	bigErr   error
	bigNames []string
)

func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

func bigVault(b *testing.B) (string, *crypto.Identity) {
	bigOnce.Do(func() {
		// TRESOR_BENCH_DIR keeps the vault between runs (it takes a while
		// to build); it is built there on first use.
		if keep := os.Getenv("TRESOR_BENCH_DIR"); keep != "" {
			bigNames = benchNames(benchSize("TRESOR_BENCH_SECRETS", 10_000))
			key, err := os.ReadFile(filepath.Join(keep, "identity"))
			if err == nil {
				bigID, bigErr = crypto.ParseIdentity(key, crypto.ParseOptions{})
				bigDir = ""
				bigKeep = keep
				return
			}
			bigID, bigNames, bigErr = buildBigVault(filepath.Join(keep, DirName),
				benchSize("TRESOR_BENCH_ENTRIES", 100_000), benchSize("TRESOR_BENCH_SECRETS", 10_000))
			if bigErr == nil {
				bigErr = os.WriteFile(filepath.Join(keep, "identity"), []byte(bigID.SecretText()), 0o600)
			}
			bigKeep = keep
			return
		}
		bigDir, bigErr = os.MkdirTemp("", "tresor-bench-")
		if bigErr != nil {
			return
		}
		bigID, bigNames, bigErr = buildBigVault(filepath.Join(bigDir, DirName),
			benchSize("TRESOR_BENCH_ENTRIES", 100_000), benchSize("TRESOR_BENCH_SECRETS", 10_000))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	if bigKeep != "" {
		return filepath.Join(bigKeep, DirName), bigID
	}
	return filepath.Join(bigDir, DirName), bigID
}

var bigKeep string

func benchNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("app%03d/service/key%05d", i%100, i)
	}
	return names
}

func TestMain(m *testing.M) {
	// Vaults made by these tests are outside git, so their per-clone state
	// goes under XDG_STATE_HOME: keep it out of the real home.
	state, err := os.MkdirTemp("", "tresor-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// buildBigVault writes the journal directly (signing each entry), since
// going through Set would encrypt 100,000 times: the point is verify's cost.
func buildBigVault(dir string, entries, secrets int) (*crypto.Identity, []string, error) {
	id, err := crypto.Generate(true)
	if err != nil {
		return nil, nil, err
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	v, err := Init(dir, InitOptions{Member: "alice", Identity: id, Now: now})
	if err != nil {
		return nil, nil, err
	}
	defer v.Close()
	names := benchNames(secrets)
	files := make([][]byte, secrets)
	for i := range names {
		h := format.SecretHeader{Name: names[i], Version: 1, Created: clock, Updated: clock}
		f, err := v.seal(&h, []byte("value "+names[i]))
		if err != nil {
			return nil, nil, err
		}
		files[i] = f
		if err := v.writeNew(secretPath(names[i]), f); err != nil {
			return nil, nil, err
		}
	}
	head := v.File.Genesis
	for seq := 2; seq <= entries; seq++ {
		i := (seq - 2) % secrets
		hash := crypto.FileHash([]byte(fmt.Sprint(seq))) // an older version
		if seq > entries-secrets {
			hash = crypto.FileHash(files[i]) // the last write of each secret
		}
		e := format.Entry{Seq: seq, Parents: format.Names{head}, Time: now(), Actor: "alice",
			Action: format.ActionSet, Target: names[i], File: hash,
			Details: &format.Details{Version: 1 + (seq-2)/secrets, Readers: format.Names{"alice"}}}
		unsigned, err := e.MarshalUnsigned()
		if err != nil {
			return nil, nil, err
		}
		sig, _ := id.Sign(unsigned)
		b := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
		head = crypto.HashHex(b)
		if err := os.WriteFile(filepath.Join(dir, journalDir, format.EntryFileName(seq, head)), b, 0o644); err != nil {
			return nil, nil, err
		}
	}
	return id, names, nil
}

// BenchmarkVerify is tresor verify over the big vault as on a fresh clone:
// every signature checked (--full).
func BenchmarkVerify(b *testing.B) {
	dir, _ := bigVault(b)
	v, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := v.Verify(VerifyOptions{Full: true})
		if err != nil {
			b.Fatal(err)
		}
		if !rep.OK() {
			b.Fatalf("big vault does not verify: %v", rep.Findings[0])
		}
	}
}

// BenchmarkGet is one tresor get against the big vault, with the verified
// state in this clone's state directory (the second and later reads on a
// machine).
func BenchmarkGet(b *testing.B) {
	dir, id := bigVault(b)
	v, err := Open(dir, Options{Identity: id})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(VerifyOptions{}); err != nil {
		b.Fatal(err)
	}
	v.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := Open(dir, Options{Identity: id})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.Get(bigNames[i%len(bigNames)]); err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
}

// BenchmarkEd25519Verify is the floor of verify: one signature check.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	msg := make([]byte, 300)
	sig := ed25519.Sign(priv, msg)
	for i := 0; i < b.N; i++ {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("bad")
		}
	}
}

// BenchmarkVerifyWarm is tresor verify on a clone that verified the same
// journal before: signatures already checked here are not checked again.
func BenchmarkVerifyWarm(b *testing.B) {
	dir, _ := bigVault(b)
	v, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Verify(VerifyOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := v.Verify(VerifyOptions{})
		if err != nil || !rep.OK() {
			b.Fatal(err, rep.Findings)
		}
	}
}
