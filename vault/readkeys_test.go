package vault

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// envelopeOf decrypts a secret's file with id and returns its envelope.
func envelopeOf(t *testing.T, v *Vault, id *crypto.Identity, name string) format.Payload {
	t.Helper()
	sf, err := v.readSecretFile(name)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := crypto.Decrypt(sf.Armored, id, format.MaxValueSize+200)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p, err := format.ParsePayload(plain)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The files a writer seals for one set of readers share its read key,
// across runs; a reader opening them all learns that one key; a change of
// readers (a member removed, then reencrypt) gets a new key, which the
// removed member never sees.
func TestReadKeysPerWriterAndReaders(t *testing.T) {
	alice, bob := mustIdentity(t), mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), []string{"admins"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := v.Set(fmt.Sprintf("app/s%d", i), []byte("value"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	v.Close()
	// A later run of the same writer on the same clone keeps the key.
	v, err = Open(dir, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Set("app/s3", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	first := envelopeOf(t, v, alice, "app/s0")
	if first.ReadKeyID == "" {
		t.Fatal("no read key in the envelope")
	}
	for i := 1; i < 4; i++ {
		if p := envelopeOf(t, v, bob, fmt.Sprintf("app/s%d", i)); p.ReadKeyID != first.ReadKeyID {
			t.Fatalf("app/s%d has read key %s, app/s0 %s", i, p.ReadKeyID, first.ReadKeyID)
		}
	}
	// A reader on a fresh clone learns the one key.
	r, err := Open(dir, Options{Identity: bob})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if env, err := r.Environment(Selector{}); err != nil || len(env.Vars) != 4 {
		t.Fatalf("environment: %v", err)
	}
	// What it learned opens alice's files without any identity's stanza.
	sf, err := r.readSecretFile("app/s3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crypto.DecryptCached(sf.Armored, [32]byte{}, mustIdentity(t), nil, r.readKeys, 1<<20); err != nil {
		t.Fatalf("the reader did not learn the read key: %v", err)
	}

	// Another writer makes its own key for the same readers.
	if _, err := r.Set("app/by-bob", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := envelopeOf(t, r, bob, "app/by-bob"); p.ReadKeyID == "" || p.ReadKeyID == first.ReadKeyID {
		t.Fatalf("bob's write used read key %q (alice's is %s)", p.ReadKeyID, first.ReadKeyID)
	}

	// bob leaves: re-encrypted files get a key bob never had.
	if err := v.MemberRemove("bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Reencrypt("", false, nil); err != nil {
		t.Fatal(err)
	}
	after := envelopeOf(t, v, alice, "app/s0")
	if after.ReadKeyID == "" || after.ReadKeyID == first.ReadKeyID {
		t.Fatalf("after bob left, app/s0 has read key %q (before: %s)", after.ReadKeyID, first.ReadKeyID)
	}
	ring := crypto.NewReadKeyRing()
	ring.Learn(first.ReadKeyID, first.ReadKey)
	sf, err = v.readSecretFile("app/s0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crypto.DecryptCached(sf.Armored, [32]byte{}, bob, nil, ring, 1<<20); err == nil {
		t.Fatal("bob, with every key he saw, still opens a file re-encrypted after he left")
	}
}

func mustIdentity(t *testing.T) *crypto.Identity {
	t.Helper()
	id, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// reencrypt --force is what to run when a read key may have leaked: every
// file it re-encrypts gets a fresh key, the old one no longer opens them,
// and the writer's later writes, in this run or the next, never use it.
func TestReencryptForceRenewsReadKeys(t *testing.T) {
	alice, bob := mustIdentity(t), mustIdentity(t)
	v, dir := initTestVault(t, alice, nil)
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), []string{"admins"}); err != nil {
		t.Fatal(err)
	}
	names := []string{"app/s0", "app/s1", "app/s2"}
	for _, n := range append(names, "other/t") {
		if _, err := v.Set(n, []byte("value"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	leaked := envelopeOf(t, v, alice, "app/s0")
	if leaked.ReadKeyID == "" {
		t.Fatal("no read key in the envelope")
	}

	res, err := v.Reencrypt("app/", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != len(names) {
		t.Fatalf("re-encrypted %q, want %q", res.Changed, names)
	}
	fresh := envelopeOf(t, v, alice, "app/s0").ReadKeyID
	ring := crypto.NewReadKeyRing()
	ring.Learn(leaked.ReadKeyID, leaked.ReadKey)
	for _, n := range names {
		p := envelopeOf(t, v, bob, n)
		if p.ReadKeyID == "" || p.ReadKeyID == leaked.ReadKeyID || p.ReadKeyID != fresh {
			t.Fatalf("after reencrypt --force, %s has read key %q (the old one: %s, app/s0's: %s)", n, p.ReadKeyID, leaked.ReadKeyID, fresh)
		}
		sf, err := v.readSecretFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crypto.DecryptCached(sf.Armored, [32]byte{}, mustIdentity(t), nil, ring, 1<<20); err == nil {
			t.Fatalf("the old read key still opens %s", n)
		}
	}

	// The writer's store forgot the old key: later writes for the same
	// readers, in this run and the next, use the fresh one.
	if _, err := v.Set("other/u", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := envelopeOf(t, v, alice, "other/u"); p.ReadKeyID != fresh {
		t.Fatalf("a write after reencrypt --force used read key %q, want the fresh %s (old: %s)", p.ReadKeyID, fresh, leaked.ReadKeyID)
	}
	again, err := Open(dir, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Set("other/v", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := envelopeOf(t, again, alice, "other/v"); p.ReadKeyID != fresh {
		t.Fatalf("the next run used read key %q, want the fresh %s (old: %s)", p.ReadKeyID, fresh, leaked.ReadKeyID)
	}
}

// A writer's read key is used for new writes for crypto.MaxReadKeyAge, by
// the vault's clock, then a fresh one is made, and kept for the next run.
func TestReadKeyMaxAge(t *testing.T) {
	alice := mustIdentity(t)
	now := time.Date(2026, 11, 25, 18, 40, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	v, dir := initTestVault(t, alice, clock)
	write := func(v *Vault, name string) string {
		t.Helper()
		if _, err := v.Set(name, []byte("value"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
		return envelopeOf(t, v, alice, name).ReadKeyID
	}
	first := write(v, "app/a")
	now = now.Add(crypto.MaxReadKeyAge - time.Hour)
	if k := write(v, "app/b"); k != first {
		t.Fatalf("a key younger than the maximum was replaced: %s, then %s", first, k)
	}
	now = now.Add(time.Hour)
	second := write(v, "app/c")
	if second == "" || second == first {
		t.Fatalf("a key of the maximum age was used for a new write: %s", second)
	}
	again, err := Open(dir, Options{Identity: alice, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if k := write(again, "app/d"); k != second {
		t.Fatalf("the next run used read key %s, want %s", k, second)
	}
}
