package crypto

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// The cache's size counter is what stops it growing past maxCacheBytes, so
// it must equal the bytes its entries take (37 + data per entry) after
// every operation.
func entriesSize(c *FileKeyCache) int {
	n := 0
	for _, e := range c.keys {
		n += 32 + len(e)
	}
	return n
}

func testCacheFile(t *testing.T, id *Identity, plain []byte) ([]byte, [32]byte) {
	t.Helper()
	armored, err := Sealer{}.Encrypt([]string{id.Recipient()}, plain)
	if err != nil {
		t.Fatal(err)
	}
	return armored, sha256.Sum256(armored)
}

func TestFileKeyCacheSizeAccounting(t *testing.T) {
	id, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	c := id.NewFileKeyCache()
	small, smallSHA := testCacheFile(t, id, []byte("small"))
	large, largeSHA := testCacheFile(t, id, bytes.Repeat([]byte("L"), maxCachedPayload+1))
	for _, f := range []struct {
		armored []byte
		sha     [32]byte
	}{{small, smallSHA}, {large, largeSHA}} {
		if _, err := DecryptCached(f.armored, f.sha, id, c, nil, 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	if e := c.keys[smallSHA]; len(e) == 0 || e[0] != entryPayload {
		t.Errorf("small file: entry kind %q, want payload", e)
	}
	if e := c.keys[largeSHA]; len(e) != 5+fileKeySize || e[0] != entryFileKey {
		t.Errorf("large file: entry %x, want a %d-byte file key", e, fileKeySize)
	}
	if c.size != entriesSize(c) {
		t.Fatalf("after put: size %d, entries take %d", c.size, entriesSize(c))
	}

	loaded := id.NewFileKeyCache()
	loaded.Load(c.Seal())
	if loaded.size != entriesSize(loaded) || loaded.size != c.size || len(loaded.keys) != 2 {
		t.Fatalf("after Load: size %d (%d entries), entries take %d, sealed cache had %d",
			loaded.size, len(loaded.keys), entriesSize(loaded), c.size)
	}

	loaded.Retain(func(h [32]byte) bool { return h == largeSHA })
	if loaded.size != entriesSize(loaded) {
		t.Errorf("after Retain: size %d, entries take %d", loaded.size, entriesSize(loaded))
	}

	// An entry that does not serve is dropped by DecryptCached.
	if _, err := DecryptCached([]byte("not age"), largeSHA, id, loaded, nil, 1<<20); err == nil {
		t.Fatal("garbage decrypted")
	}
	if _, ok := loaded.keys[largeSHA]; ok {
		t.Fatal("the failing entry was not dropped")
	}
	if loaded.size != entriesSize(loaded) {
		t.Fatalf("dropping an entry must subtract it from cache.size: size %d, entries take %d",
			loaded.size, entriesSize(loaded))
	}
}

// Load keeps the entries before a malformed one and ignores the rest.
func TestFileKeyCacheLoadMalformed(t *testing.T) {
	id, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	entry := func(h byte, kind byte, data []byte, declared int) []byte {
		b := bytes.Repeat([]byte{h}, 32)
		b = append(b, kind)
		b = binary.BigEndian.AppendUint32(b, uint32(declared))
		return append(b, data...)
	}
	seal := func(c *FileKeyCache, plain []byte) []byte {
		nonce := make([]byte, c.aead.NonceSize())
		return c.aead.Seal(nonce, nonce, plain, c.binding)
	}
	for _, tc := range []struct {
		name  string
		plain []byte
		want  int
	}{
		{"two entries", append(entry(1, entryPayload, []byte("a"), 1), entry(2, entryPayload, []byte("bb"), 2)...), 2},
		{"length past the end", append(entry(1, entryPayload, []byte("a"), 1), entry(2, entryPayload, []byte("bb"), 1<<31)...), 1},
		{"length 0xffffffff", entry(1, entryPayload, []byte("a"), 0xffffffff), 0},
		{"trailing partial header", append(entry(1, entryFileKey, make([]byte, 16), 16), 9, 9, 9), 1},
		{"empty", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := id.NewFileKeyCache()
			c.Load(seal(c, tc.plain))
			if len(c.keys) != tc.want {
				t.Errorf("loaded %d entries, want %d", len(c.keys), tc.want)
			}
			if c.size != entriesSize(c) {
				t.Errorf("size %d, entries take %d", c.size, entriesSize(c))
			}
		})
	}

	// An entry of an unknown kind, or a file key of the wrong length, is
	// dropped on use and the identity decides.
	armored, sha := testCacheFile(t, id, []byte("real"))
	for _, e := range [][]byte{
		append([]byte{'?', 0, 0, 0, 1}, 'x'),
		append([]byte{entryFileKey, 0, 0, 0, 3}, 1, 2, 3),
		{entryPayload},
	} {
		c := id.NewFileKeyCache()
		c.keys[sha] = e
		got, err := DecryptCached(armored, sha, id, c, nil, 100)
		if err != nil || string(got) != "real" {
			t.Errorf("entry %x: DecryptCached = %q, %v", e, got, err)
		}
	}
}

// The cache is sealed under a key derived from the identity's private key
// and bound to its recipient: a cache with the same key but another
// binding does not load.
func TestFileKeyCacheBinding(t *testing.T) {
	id, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	armored, sha := testCacheFile(t, id, []byte("bound"))
	c := id.NewFileKeyCache()
	if _, err := DecryptCached(armored, sha, id, c, nil, 100); err != nil {
		t.Fatal(err)
	}
	sealed := c.Seal()

	rebound := id.NewFileKeyCache()
	rebound.binding = []byte("age1someoneelse")
	rebound.Load(sealed)
	if len(rebound.keys) != 0 {
		t.Errorf("a cache loaded under another recipient binding")
	}

	// Each kind seals with its own private material.
	if !bytes.Equal(id.cacheSecret, []byte(id.SecretText())) {
		t.Errorf("age identity's cache secret is not its secret text")
	}
}
