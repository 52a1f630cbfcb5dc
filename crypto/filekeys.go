package crypto

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"sync"

	"filippo.io/age"
)

// A FileKeyCache remembers, for secret files this identity has opened, the
// decrypted payload (small files) or the age file key (larger ones), so that
// the next read skips the asymmetric unwrap (X25519 or ML-KEM) and, for
// small files, the decryption: together they dominate the cost of reading
// many small secrets.
//
// Entries are keyed by the SHA-256 of the whole secret file: a changed file
// misses, and the caller has already checked that hash against the signed
// journal. A cached file key is only a shortcut: age still authenticates the
// header and payload with it, and a key that fails falls back to the
// identity. The cache is sealed with XChaCha20-Poly1305 under a key derived
// (HKDF) from the identity's private key and bound to its recipient, so
// reading or swapping it without the identity yields nothing, and it holds
// nothing the identity could not recover from the vault itself. See
// docs/security.md.
type FileKeyCache struct {
	mu      sync.Mutex
	aead    cipher.AEAD
	binding []byte
	keys    map[[32]byte][]byte // file hash → kind, length, data
	size    int
	changed bool
}

const fileKeyCacheInfo = "tresor/v1/file-key-cache"

// fileKeySize is the size of an age file key.
const fileKeySize = 16

// Cache limits: payloads up to maxCachedPayload bytes are kept whole, and
// the cache stops growing at maxCacheBytes.
const (
	maxCachedPayload = 8 << 10
	maxCacheBytes    = 32 << 20
)

// Entry kinds in the sealed form.
const (
	entryFileKey = 'k'
	entryPayload = 'p'
)

// NewFileKeyCache returns an empty cache for the identity, or nil when the
// identity has no private key material to seal it with (plugins).
func (id *Identity) NewFileKeyCache() *FileKeyCache {
	aead := id.localAEAD(fileKeyCacheInfo)
	if aead == nil {
		return nil
	}
	return &FileKeyCache{aead: aead, binding: []byte(id.recipient), keys: map[[32]byte][]byte{}}
}

// Load fills the cache from sealed bytes. Anything that does not open
// (another identity's cache, corruption) leaves it empty: the cache is only
// ever a shortcut.
func (c *FileKeyCache) Load(sealed []byte) {
	plain, ok := openLocal(c.aead, sealed, c.binding)
	if !ok {
		return
	}
	for len(plain) >= 32+1+4 {
		var h [32]byte
		copy(h[:], plain[:32])
		n := int(binary.BigEndian.Uint32(plain[33:37]))
		if n > len(plain)-37 {
			return
		}
		c.keys[h] = plain[32 : 37+n : 37+n] // kind byte, length, data
		c.size += 37 + n
		plain = plain[37+n:]
	}
}

// Changed reports whether keys were added or dropped since Load.
func (c *FileKeyCache) Changed() bool { return c.changed }

// Retain drops the keys of files not in keep (file hashes), so the cache
// holds only the current versions.
func (c *FileKeyCache) Retain(keep func(fileSHA [32]byte) bool) {
	for h, e := range c.keys {
		if !keep(h) {
			delete(c.keys, h)
			c.size -= 32 + len(e)
			c.changed = true
		}
	}
}

// Seal returns the cache encrypted for storage.
func (c *FileKeyCache) Seal() []byte {
	plain := make([]byte, 0, c.size)
	for h, e := range c.keys {
		plain = append(plain, h[:]...)
		plain = append(plain, e...)
	}
	return sealLocal(c.aead, plain, c.binding)
}

// put stores an entry: kind, 4-byte length, data.
func (c *FileKeyCache) put(h [32]byte, kind byte, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+37+len(data) > maxCacheBytes {
		return
	}
	e := make([]byte, 5, 5+len(data))
	e[0] = kind
	binary.BigEndian.PutUint32(e[1:5], uint32(len(data)))
	c.keys[h] = append(e, data...)
	c.size += 37 + len(data)
	c.changed = true
}

// capturing wraps identities and remembers the file key they unwrap.
type capturing struct {
	ids []age.Identity
	key []byte
}

func (c *capturing) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, id := range c.ids {
		k, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.key = k
		return k, nil
	}
	return nil, age.ErrIncorrectIdentity
}

// DecryptCached is Decrypt with shortcuts for reading many files: a cached
// key or payload for this file (fileSHA is the SHA-256 of the whole secret
// file) skips the identity's unwrap, and so does a read key in ring that
// opens the file's read key stanza (see ReadKey); otherwise the identity
// decrypts, and the result is cached. cache and ring may be nil. The caller
// learns read keys from the envelopes it opens (ReadKeyRing.Learn).
func DecryptCached(armored []byte, fileSHA [32]byte, id *Identity, cache *FileKeyCache, ring *ReadKeyRing, maxSize int) ([]byte, error) {
	if cache == nil {
		if out, err := decryptWithRing(armored, ring, maxSize); err == nil {
			return out, nil
		}
		return Decrypt(armored, id, maxSize)
	}
	cache.mu.Lock()
	e, ok := cache.keys[fileSHA]
	cache.mu.Unlock()
	if ok && len(e) >= 5 {
		switch e[0] {
		case entryPayload:
			if len(e)-5 <= maxSize {
				return bytes.Clone(e[5:]), nil
			}
		case entryFileKey:
			key := e[5:]
			if out, err := decryptWith(armored, []age.Identity{age.NewInjectedFileKeyIdentity(key)}, maxSize); err == nil {
				return out, nil
			}
		}
		// An entry that does not serve is dropped; the identity decides.
		cache.mu.Lock()
		if e, ok := cache.keys[fileSHA]; ok {
			cache.size -= 32 + len(e)
		}
		delete(cache.keys, fileSHA)
		cache.changed = true
		cache.mu.Unlock()
	}
	capt := &capturing{ids: id.ages}
	out, err := decryptWithRing(armored, ring, maxSize)
	if err != nil {
		out, err = decryptWith(armored, []age.Identity{capt}, maxSize)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case len(out) <= maxCachedPayload:
		cache.put(fileSHA, entryPayload, out)
	case len(capt.key) == fileKeySize:
		cache.put(fileSHA, entryFileKey, capt.key)
	}
	return out, nil
}

// decryptWithRing decrypts with the read keys in ring alone. Any failure
// (no key for the file, a wrong key, anything odd) is an error, and the
// caller falls back to the identity, which decides what the file is.
func decryptWithRing(armored []byte, ring *ReadKeyRing, maxSize int) ([]byte, error) {
	if !ring.nonEmpty() {
		return nil, age.ErrIncorrectIdentity
	}
	return decryptWith(armored, []age.Identity{ring}, maxSize)
}
