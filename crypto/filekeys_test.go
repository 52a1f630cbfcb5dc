package crypto_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// notAge is what DecryptCached gets when a test wants to show that the
// answer came from the cache: the identity could not decrypt it.
var notAge = []byte("this is not an age file")

const maxSize = 64 << 10

type secretFile struct {
	armored []byte
	sha     [32]byte
	plain   []byte
}

func newSecretFile(t *testing.T, plain []byte, recipients ...string) secretFile {
	t.Helper()
	armored := mustEncrypt(t, plain, recipients...)
	return secretFile{armored: armored, sha: sha256.Sum256(armored), plain: plain}
}

func TestFileKeyCachePayload(t *testing.T) {
	for name, id := range testIdentities(t) {
		t.Run(name, func(t *testing.T) {
			f := newSecretFile(t, []byte("small secret"), id.Recipient())

			cache := id.NewFileKeyCache()
			if cache == nil {
				t.Fatalf("NewFileKeyCache = nil for a %s identity", id.Kind())
			}
			if cache.Changed() {
				t.Errorf("a new cache is changed")
			}
			// A miss: nothing cached yet, and the input is not age.
			if _, err := crypto.DecryptCached(notAge, f.sha, id, cache, nil, maxSize); !errors.Is(err, crypto.ErrTampered) {
				t.Fatalf("miss on garbage: error = %v, want ErrTampered", err)
			}
			got, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize)
			if err != nil || !bytes.Equal(got, f.plain) {
				t.Fatalf("first DecryptCached = %q, %v", got, err)
			}
			if !cache.Changed() {
				t.Errorf("caching a file did not mark the cache changed")
			}

			// Sealed, loaded into a new cache of the same identity: the
			// payload comes from the cache, whatever the file now says.
			loaded := id.NewFileKeyCache()
			loaded.Load(cache.Seal())
			if loaded.Changed() {
				t.Errorf("Load marked the cache changed")
			}
			got, err = crypto.DecryptCached(notAge, f.sha, id, loaded, nil, maxSize)
			if err != nil || !bytes.Equal(got, f.plain) {
				t.Fatalf("cache hit = %q, %v; want the cached payload", got, err)
			}
			// The caller may change what it got without changing the cache.
			got[0] ^= 0xff
			if again, _ := crypto.DecryptCached(notAge, f.sha, id, loaded, nil, maxSize); !bytes.Equal(again, f.plain) {
				t.Errorf("the cache returned its own buffer: a caller's write changed it to %q", again)
			}
			if loaded.Changed() {
				t.Errorf("a hit marked the cache changed")
			}

			// Another file hash misses.
			other := f.sha
			other[0] ^= 1
			if _, err := crypto.DecryptCached(notAge, other, id, loaded, nil, maxSize); err == nil {
				t.Errorf("a different file hash hit the cache")
			}
		})
	}
}

func TestFileKeyCacheNil(t *testing.T) {
	id := mustGenerate(t, true)
	f := newSecretFile(t, []byte("v"), id.Recipient())
	got, err := crypto.DecryptCached(f.armored, f.sha, id, nil, nil, maxSize)
	if err != nil || !bytes.Equal(got, f.plain) {
		t.Errorf("DecryptCached with nil cache = %q, %v", got, err)
	}
	outsider := mustGenerate(t, true)
	if _, err := crypto.DecryptCached(f.armored, f.sha, outsider, nil, nil, maxSize); !errors.Is(err, crypto.ErrNotRecipient) {
		t.Errorf("nil cache, outsider: error = %v, want ErrNotRecipient", err)
	}
}

func TestFileKeyCacheErrorsAreNotCached(t *testing.T) {
	id := mustGenerate(t, true)
	outsider := mustGenerate(t, true)
	f := newSecretFile(t, []byte("v"), outsider.Recipient())
	cache := id.NewFileKeyCache()
	if _, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); !errors.Is(err, crypto.ErrNotRecipient) {
		t.Errorf("error = %v, want ErrNotRecipient", err)
	}
	if cache.Changed() {
		t.Errorf("a failed decryption changed the cache")
	}
	big := newSecretFile(t, bytes.Repeat([]byte("b"), 100), id.Recipient())
	if _, err := crypto.DecryptCached(big.armored, big.sha, id, cache, nil, 99); err == nil {
		t.Errorf("maxSize not enforced")
	}
	if cache.Changed() {
		t.Errorf("a value over maxSize was cached")
	}
}

func TestFileKeyCacheOtherIdentity(t *testing.T) {
	k := testSSHKeys()
	owner := mustGenerate(t, true)
	f := newSecretFile(t, []byte("mine"), owner.Recipient())
	cache := owner.NewFileKeyCache()
	if _, err := crypto.DecryptCached(f.armored, f.sha, owner, cache, nil, maxSize); err != nil {
		t.Fatal(err)
	}
	sealed := cache.Seal()

	for name, other := range map[string]*crypto.Identity{
		"x25519":       mustGenerate(t, true),
		"post-quantum": mustGenerate(t, false),
		"ssh-ed25519":  mustParseBytes(t, k.ed25519PEM),
		"ssh-rsa":      mustParseBytes(t, k.rsaPEM),
	} {
		t.Run(name, func(t *testing.T) {
			c := other.NewFileKeyCache()
			c.Load(sealed)
			if got, err := crypto.DecryptCached(notAge, f.sha, other, c, nil, maxSize); err == nil {
				t.Errorf("another identity's cache loaded: got %q", got)
			}
		})
	}

	// The same secret text parsed again is the same identity: its cache
	// loads.
	same := mustParse(t, owner.FileText())
	c := same.NewFileKeyCache()
	c.Load(sealed)
	if got, err := crypto.DecryptCached(notAge, f.sha, same, c, nil, maxSize); err != nil || string(got) != "mine" {
		t.Errorf("the same identity parsed again does not load its cache: %q, %v", got, err)
	}
}

func TestFileKeyCacheCorrupted(t *testing.T) {
	id := mustGenerate(t, true)
	f := newSecretFile(t, []byte("v"), id.Recipient())
	cache := id.NewFileKeyCache()
	if _, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); err != nil {
		t.Fatal(err)
	}
	sealed := cache.Seal()
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	for _, tc := range []struct {
		name   string
		sealed []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"shorter than a nonce", sealed[:10]},
		{"nonce only", sealed[:24]},
		{"flipped nonce", flip(0)},
		{"flipped body", flip(30)},
		{"flipped tag", flip(len(sealed) - 1)},
		{"truncated", sealed[:len(sealed)-1]},
		{"extended", append(bytes.Clone(sealed), 0)},
		{"garbage", bytes.Repeat([]byte{0x42}, 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := id.NewFileKeyCache()
			c.Load(tc.sealed)
			if got, err := crypto.DecryptCached(notAge, f.sha, id, c, nil, maxSize); err == nil {
				t.Errorf("a corrupted cache served %q", got)
			}
			if c.Changed() {
				t.Errorf("Load of a corrupted cache marked it changed")
			}
			// It still works as an empty cache.
			if got, err := crypto.DecryptCached(f.armored, f.sha, id, c, nil, maxSize); err != nil || !bytes.Equal(got, f.plain) {
				t.Errorf("DecryptCached after a failed Load = %q, %v", got, err)
			}
		})
	}

	// Seal is randomized: two seals of one cache differ and both load.
	a, b := cache.Seal(), cache.Seal()
	if bytes.Equal(a, b) {
		t.Errorf("two Seals are identical: the nonce is not random")
	}
}

func TestFileKeyCacheRetain(t *testing.T) {
	id := mustGenerate(t, true)
	var files []secretFile
	cache := id.NewFileKeyCache()
	for i := range 4 {
		f := newSecretFile(t, fmt.Appendf(nil, "value %d", i), id.Recipient())
		files = append(files, f)
		if _, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); err != nil {
			t.Fatal(err)
		}
	}
	loaded := id.NewFileKeyCache()
	loaded.Load(cache.Seal())

	keep := map[[32]byte]bool{files[0].sha: true, files[2].sha: true}
	loaded.Retain(func(h [32]byte) bool { return keep[h] })
	if !loaded.Changed() {
		t.Errorf("Retain dropped entries but the cache is not changed")
	}
	check := func(c *crypto.FileKeyCache) {
		t.Helper()
		for i, f := range files {
			got, err := crypto.DecryptCached(notAge, f.sha, id, c, nil, maxSize)
			if keep[f.sha] && (err != nil || !bytes.Equal(got, f.plain)) {
				t.Errorf("kept file %d: %q, %v", i, got, err)
			}
			if !keep[f.sha] && err == nil {
				t.Errorf("dropped file %d still served %q", i, got)
			}
		}
	}
	check(loaded)
	// And after a seal and load.
	again := id.NewFileKeyCache()
	again.Load(loaded.Seal())
	check(again)

	// Retaining everything changes nothing.
	fresh := id.NewFileKeyCache()
	fresh.Load(cache.Seal())
	fresh.Retain(func([32]byte) bool { return true })
	if fresh.Changed() {
		t.Errorf("Retain of every entry marked the cache changed")
	}
}

func TestFileKeyCacheLargePayload(t *testing.T) {
	id := mustGenerate(t, true)
	outsider := mustGenerate(t, true)
	for _, size := range []int{8<<10 + 1, 40 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			f := newSecretFile(t, bytes.Repeat([]byte("L"), size), id.Recipient())
			cache := id.NewFileKeyCache()
			if got, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); err != nil || !bytes.Equal(got, f.plain) {
				t.Fatalf("first DecryptCached: %d bytes, %v", len(got), err)
			}
			loaded := id.NewFileKeyCache()
			loaded.Load(cache.Seal())

			// Only the file key is cached, not the payload.
			if got, err := crypto.DecryptCached(notAge, f.sha, id, loaded, nil, maxSize); err == nil {
				t.Fatalf("a large payload was served from the cache (%d bytes)", len(got))
			}
			// That miss dropped the entry, so load it again.
			loaded = id.NewFileKeyCache()
			loaded.Load(cache.Seal())

			// The cached file key opens the file without the identity: an
			// identity that is not a reader still gets the value.
			got, err := crypto.DecryptCached(f.armored, f.sha, outsider, loaded, nil, maxSize)
			if err != nil || !bytes.Equal(got, f.plain) {
				t.Fatalf("cached file key did not serve: %d bytes, %v", len(got), err)
			}
			if _, err := crypto.DecryptCached(f.armored, f.sha, outsider, nil, nil, maxSize); !errors.Is(err, crypto.ErrNotRecipient) {
				t.Fatalf("without the cache the outsider gets %v, want ErrNotRecipient", err)
			}

			// A tampered file under the same hash: the cached key fails
			// authentication, the identity decides, and says tampered.
			tampered := flipPayloadByte(t, f.armored)
			if got, err := crypto.DecryptCached(tampered, f.sha, id, loaded, nil, maxSize); !errors.Is(err, crypto.ErrTampered) {
				t.Fatalf("tampered with a cached key = %d bytes, %v; want ErrTampered", len(got), err)
			}
			if !loaded.Changed() {
				t.Errorf("the entry that failed was not dropped")
			}
			// The entry is gone: the outsider no longer gets in.
			if _, err := crypto.DecryptCached(f.armored, f.sha, outsider, loaded, nil, maxSize); !errors.Is(err, crypto.ErrNotRecipient) {
				t.Errorf("after a failed cached key, outsider gets %v, want ErrNotRecipient", err)
			}
			// And the identity caches it again.
			if got, err := crypto.DecryptCached(f.armored, f.sha, id, loaded, nil, maxSize); err != nil || !bytes.Equal(got, f.plain) {
				t.Errorf("re-reading after the drop: %d bytes, %v", len(got), err)
			}
			if got, err := crypto.DecryptCached(f.armored, f.sha, outsider, loaded, nil, maxSize); err != nil || !bytes.Equal(got, f.plain) {
				t.Errorf("the file key was not cached again: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestFileKeyCachePayloadBoundary(t *testing.T) {
	id := mustGenerate(t, false)
	for _, tc := range []struct {
		size          int
		payloadCached bool
	}{{0, true}, {8 << 10, true}, {8<<10 + 1, false}} {
		f := newSecretFile(t, bytes.Repeat([]byte("b"), tc.size), id.Recipient())
		cache := id.NewFileKeyCache()
		if _, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); err != nil {
			t.Fatal(err)
		}
		got, err := crypto.DecryptCached(notAge, f.sha, id, cache, nil, maxSize)
		if cached := err == nil && bytes.Equal(got, f.plain); cached != tc.payloadCached {
			t.Errorf("size %d: payload cached %v, want %v", tc.size, cached, tc.payloadCached)
		}
	}
}

// A cached payload larger than this call's maxSize is not served: the
// identity decides, and enforces the limit.
func TestFileKeyCacheHitRespectsMaxSize(t *testing.T) {
	id := mustGenerate(t, true)
	f := newSecretFile(t, bytes.Repeat([]byte("m"), 100), id.Recipient())
	cache := id.NewFileKeyCache()
	if _, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize); err != nil {
		t.Fatal(err)
	}
	if got, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, 50); err == nil {
		t.Errorf("cached payload of 100 bytes served with maxSize 50 (%d bytes)", len(got))
	}
}

func TestFileKeyCacheConcurrent(t *testing.T) {
	id := mustGenerate(t, true)
	var files []secretFile
	for i := range 16 {
		size := 10
		if i%2 == 1 {
			size = 9 << 10
		}
		files = append(files, newSecretFile(t, bytes.Repeat([]byte{byte('a' + i)}, size), id.Recipient()))
	}
	cache := id.NewFileKeyCache()
	for round := range 2 { // the first round fills, the second hits
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Go(func() {
				got, err := crypto.DecryptCached(f.armored, f.sha, id, cache, nil, maxSize)
				if err != nil || !bytes.Equal(got, f.plain) {
					t.Errorf("round %d file %d: %d bytes, %v", round, i, len(got), err)
				}
			})
		}
		wg.Wait()
	}
	loaded := id.NewFileKeyCache()
	loaded.Load(cache.Seal())
	for i, f := range files {
		if got, err := crypto.DecryptCached(f.armored, f.sha, mustGenerate(t, true), loaded, nil, maxSize); err != nil || !bytes.Equal(got, f.plain) {
			t.Errorf("file %d not cached after concurrent reads: %v", i, err)
		}
	}
}
