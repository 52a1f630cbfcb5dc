package crypto_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/tresor-dev/tresor/crypto"
)

// A file sealed with a read key opens three ways: with the reader's own
// identity, with stock age and that identity, and with the read key alone.
func TestReadKeyOpensTheFile(t *testing.T) {
	for _, classic := range []bool{true, false} {
		reader := mustGenerate(t, classic)
		rk := crypto.NewReadKey()
		armored, err := crypto.Sealer{}.EncryptWithReadKey([]string{reader.Recipient()}, []byte("value"), rk)
		if err != nil {
			t.Fatalf("classic=%v: %v", classic, err)
		}
		if !bytes.Contains(dearmorForTest(t, armored), []byte("-> tresor-readkey "+rk.ID+" ")) {
			t.Fatalf("classic=%v: no read key stanza", classic)
		}
		if got, err := crypto.Decrypt(armored, reader, 1<<20); err != nil || string(got) != "value" {
			t.Fatalf("classic=%v: with the identity: %q %v", classic, got, err)
		}
		ageID, err := age.ParseIdentities(strings.NewReader(reader.SecretText()))
		if err != nil {
			t.Fatal(err)
		}
		r, err := age.Decrypt(armor.NewReader(bytes.NewReader(armored)), ageID...)
		if err != nil {
			t.Fatalf("classic=%v: stock age refuses the file: %v", classic, err)
		}
		if got, _ := io.ReadAll(r); string(got) != "value" {
			t.Fatalf("classic=%v: stock age read %q", classic, got)
		}
		// Someone who is not a reader, holding the read key, opens it
		// without an asymmetric unwrap (their identity would fail).
		ring := crypto.NewReadKeyRing()
		ring.Learn(rk.ID, rk.Key)
		outsider := mustGenerate(t, classic)
		sha := sha256.Sum256(armored)
		if got, err := crypto.DecryptCached(armored, sha, outsider, nil, ring, 1<<20); err != nil || string(got) != "value" {
			t.Fatalf("classic=%v: with the read key: %q %v", classic, got, err)
		}
		if _, err := crypto.DecryptCached(armored, sha, outsider, nil, crypto.NewReadKeyRing(), 1<<20); !errors.Is(err, crypto.ErrNotRecipient) {
			t.Fatalf("classic=%v: an outsider without the read key: %v", classic, err)
		}
	}
}

// A wrong key under the file's read key id only costs the symmetric try:
// the reader's identity opens the file.
func TestReadKeyWrongKeyFallsBack(t *testing.T) {
	reader := mustGenerate(t, true)
	rk := crypto.NewReadKey()
	armored, err := crypto.Sealer{}.EncryptWithReadKey([]string{reader.Recipient()}, []byte("value"), rk)
	if err != nil {
		t.Fatal(err)
	}
	ring := crypto.NewReadKeyRing()
	ring.Learn(rk.ID, bytes.Repeat([]byte{1}, 32))
	for _, cache := range []*crypto.FileKeyCache{nil, reader.NewFileKeyCache()} {
		if got, err := crypto.DecryptCached(armored, sha256.Sum256(armored), reader, cache, ring, 1<<20); err != nil || string(got) != "value" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if _, err := crypto.DecryptCached(armored, sha256.Sum256(armored), mustGenerate(t, true), nil, ring, 1<<20); !errors.Is(err, crypto.ErrNotRecipient) {
		t.Fatalf("an outsider with a wrong key: %v", err)
	}
}

func TestReadKeyRefusesPluginAndMixedRecipients(t *testing.T) {
	pq, classic := mustGenerate(t, false), mustGenerate(t, true)
	if _, err := (crypto.Sealer{}).EncryptWithReadKey([]string{pq.Recipient(), classic.Recipient()}, []byte("v"), crypto.NewReadKey()); err == nil {
		t.Fatal("mixed recipients accepted")
	}
	w := classic.NewWriterKeys()
	if _, _, ok := w.For([]string{pq.Recipient(), classic.Recipient()}, testNow); ok {
		t.Fatal("a read key for mixed recipients")
	}
	if _, _, ok := w.For([]string{"age1yubikey1qwertyuiop"}, testNow); ok {
		t.Fatal("a read key for a plugin recipient")
	}
}

// A writer keeps one read key per set of recipients; another set (a reader
// removed) gets another key; the store opens only for its identity.
func TestWriterKeys(t *testing.T) {
	id := mustGenerate(t, true)
	a, b, c := mustGenerate(t, true).Recipient(), mustGenerate(t, true).Recipient(), mustGenerate(t, true).Recipient()
	w := id.NewWriterKeys()
	k1, made, ok := w.For([]string{a, b, c}, testNow)
	if !ok || !made {
		t.Fatal("no key made")
	}
	if k2, made, _ := w.For([]string{c, a, b}, testNow); k2.ID != k1.ID || made {
		t.Fatal("the same readers in another order got another key")
	}
	if k3, _, _ := w.For([]string{a, b}, testNow); k3.ID == k1.ID || bytes.Equal(k3.Key, k1.Key) {
		t.Fatal("fewer readers share the old key")
	}
	loaded := id.NewWriterKeys()
	loaded.Load(w.Seal())
	if k, made, _ := loaded.For([]string{b, c, a}, testNow); k.ID != k1.ID || !bytes.Equal(k.Key, k1.Key) || made {
		t.Fatal("the key did not survive Seal and Load")
	}
	other := mustGenerate(t, true).NewWriterKeys()
	other.Load(w.Seal())
	if k, _, _ := other.For([]string{a, b, c}, testNow); k.ID == k1.ID {
		t.Fatal("another identity opened the store")
	}
}

func dearmorForTest(t testing.TB, armored []byte) []byte {
	t.Helper()
	b, err := io.ReadAll(armor.NewReader(bytes.NewReader(armored)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ssh recipients take a read key too (age gives them no labels).
func TestReadKeyWithSSHRecipients(t *testing.T) {
	k := testSSHKeys()
	reader, err := crypto.ParseIdentity(k.ed25519PEM, crypto.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk := crypto.NewReadKey()
	armored, err := crypto.Sealer{}.EncryptWithReadKey([]string{k.ed25519Pub, k.rsaPub}, []byte("value"), rk)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := crypto.Decrypt(armored, reader, 1<<20); err != nil || string(got) != "value" {
		t.Fatalf("%q %v", got, err)
	}
}

// FuzzReadKeyRingUnwrap: whatever a stanza holds, the ring never panics,
// and what it unwraps is a 16-byte file key (the seed's genuine stanza is
// the one input that opens, AEAD sees to the rest).
func FuzzReadKeyRingUnwrap(f *testing.F) {
	rk := crypto.NewReadKey()
	reader := mustGenerate(f, true)
	armored, err := crypto.Sealer{}.EncryptWithReadKey([]string{reader.Recipient()}, []byte("v"), rk)
	if err != nil {
		f.Fatal(err)
	}
	hdr := string(dearmorForTest(f, armored))
	start := strings.Index(hdr, "-> tresor-readkey ")
	line := hdr[start:]
	line = line[:strings.Index(line, "\n")]
	f.Add(line[len("-> "):], []byte("0123456789abcdef0123456789abcdef"))
	f.Add("tresor-readkey "+rk.ID+" !!!", []byte{})
	f.Add("tresor-readkey "+rk.ID, []byte("x"))
	ring := crypto.NewReadKeyRing()
	ring.Learn(rk.ID, rk.Key)
	f.Fuzz(func(t *testing.T, stanzaLine string, body []byte) {
		fields := strings.Fields(stanzaLine)
		if len(fields) == 0 {
			return
		}
		s := &age.Stanza{Type: fields[0], Args: fields[1:], Body: body}
		if key, err := ring.Unwrap([]*age.Stanza{s}); err == nil && len(key) != 16 {
			t.Fatalf("unwrapped a %d-byte file key", len(key))
		}
	})
}

// Files without a read key stanza (older files, plugin readers) open with
// the identity even when the ring holds keys.
func TestReadKeyRingLeavesOtherFilesToTheIdentity(t *testing.T) {
	reader := mustGenerate(t, false)
	armored, err := crypto.Sealer{}.Encrypt([]string{reader.Recipient()}, []byte("value"))
	if err != nil {
		t.Fatal(err)
	}
	ring := crypto.NewReadKeyRing()
	rk := crypto.NewReadKey()
	ring.Learn(rk.ID, rk.Key)
	for _, cache := range []*crypto.FileKeyCache{nil, reader.NewFileKeyCache()} {
		if got, err := crypto.DecryptCached(armored, sha256.Sum256(armored), reader, cache, ring, 1<<20); err != nil || string(got) != "value" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
}

// A key planted under another writer's id (any file may claim any id)
// does not shadow the real key learned before or after it.
func TestReadKeyRingPlantedKey(t *testing.T) {
	reader := mustGenerate(t, true)
	rk := crypto.NewReadKey()
	armored, err := crypto.Sealer{}.EncryptWithReadKey([]string{reader.Recipient()}, []byte("value"), rk)
	if err != nil {
		t.Fatal(err)
	}
	outsider := mustGenerate(t, true) // opens nothing: only the ring can
	for _, plantedFirst := range []bool{true, false} {
		ring := crypto.NewReadKeyRing()
		planted := bytes.Repeat([]byte{7}, 32)
		if plantedFirst {
			ring.Learn(rk.ID, planted)
			ring.Learn(rk.ID, rk.Key)
		} else {
			ring.Learn(rk.ID, rk.Key)
			ring.Learn(rk.ID, planted)
		}
		if got, err := crypto.DecryptCached(armored, sha256.Sum256(armored), outsider, nil, ring, 1<<20); err != nil || string(got) != "value" {
			t.Fatalf("planted first=%v: %q %v", plantedFirst, got, err)
		}
	}
}
