package vault

import (
	"fmt"
	"path/filepath"
	"testing"

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
