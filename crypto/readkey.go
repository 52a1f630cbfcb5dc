package crypto

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/tresor-dev/tresor/format"
)

// A ReadKey is a symmetric key that one writer (one identity on one clone)
// shares among the files it seals for one set of readers. Each such file
// carries, besides the age stanza of every reader, a "tresor-readkey"
// stanza wrapping its file key under the read key, and the read key itself
// inside its encrypted envelope (format.Payload). A reader who opens one of
// these files the usual way (one X25519 or ML-KEM unwrap) learns the read
// key and opens the others with a symmetric unwrap: on a fresh clone that
// is one asymmetric operation per writer and reader set instead of one per
// file. Stock age ignores the stanza and still decrypts with the reader's
// own. docs/security.md has the argument; in short, the read key is only
// ever sealed to the readers (and known to the writer, who wrote the
// values), a writer never uses a read key it did not make, and a read key
// only ever yields a file key that the file's own header MAC then accepts,
// so a wrong or planted key fails and the reader's own stanza decides.
type ReadKey struct {
	ID  string // format.ReadKeyIDLen lowercase hex digits
	Key []byte // format.ReadKeySize bytes
}

// NewReadKey returns a fresh random read key.
func NewReadKey() ReadKey {
	id := make([]byte, format.ReadKeyIDLen/2)
	key := make([]byte, format.ReadKeySize)
	rand.Read(id)
	rand.Read(key)
	return ReadKey{ID: hex.EncodeToString(id), Key: key}
}

// readKeyStanza is the stanza type: "-> tresor-readkey <id> <salt>" with the
// file key sealed (ChaCha20-Poly1305, zero nonce) under
// HKDF-SHA256(read key, salt, readKeyInfo). The salt is fresh per file, so
// every wrapping key is used once.
const (
	readKeyStanza = "tresor-readkey"
	readKeyInfo   = "tresor/v1/read-key"
	readKeySalt   = 16
)

func readKeyAEAD(key []byte, salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, key, salt, readKeyInfo, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.New(k)
}

// readKeyRecipient adds a read key stanza to a file. labels are those of the
// file's other recipients, which age requires to match.
type readKeyRecipient struct {
	rk     ReadKey
	labels []string
}

func (r readKeyRecipient) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	s, _, err := r.WrapWithLabels(fileKey)
	return s, err
}

func (r readKeyRecipient) WrapWithLabels(fileKey []byte) ([]*age.Stanza, []string, error) {
	salt := make([]byte, readKeySalt)
	rand.Read(salt)
	aead, err := readKeyAEAD(r.rk.Key, salt)
	if err != nil {
		return nil, nil, err
	}
	body := aead.Seal(nil, make([]byte, chacha20poly1305.NonceSize), fileKey, nil)
	return []*age.Stanza{{
		Type: readKeyStanza,
		Args: []string{r.rk.ID, base64.RawStdEncoding.EncodeToString(salt)},
		Body: body,
	}}, r.labels, nil
}

// readKeyLabels returns the age labels of a file's recipients when a read
// key can join them: post-quantum readers need "postquantum" (the read key
// travels inside their post-quantum encryption), classic ones none. Plugin
// recipients may carry labels of their own, so their files get no read key.
func readKeyLabels(recipients []string) ([]string, bool) {
	pq := 0
	for _, r := range recipients {
		switch KindOfRecipient(r) {
		case KindHybrid:
			pq++
		case KindPlugin:
			return nil, false
		}
	}
	switch pq {
	case 0:
		return nil, true
	case len(recipients):
		return []string{"postquantum"}, true
	}
	return nil, false // mixed: age refuses the file anyway
}

// A ReadKeyRing holds the read keys learned from opened files, for opening
// the files that follow. It is safe for concurrent use, and is an
// age.Identity that unwraps read key stanzas whose key it holds.
type ReadKeyRing struct {
	mu   sync.RWMutex
	keys map[string][][]byte // by id: a few, so a planted key cannot shadow the real one
}

// maxKeysPerID bounds the keys kept under one id.
const maxKeysPerID = 4

// NewReadKeyRing returns an empty ring.
func NewReadKeyRing() *ReadKeyRing { return &ReadKeyRing{keys: map[string][][]byte{}} }

// Learn adds a read key found in an opened file's envelope. Any file may
// claim any id: a key that turns out wrong only costs a failed symmetric
// unwrap, and does not replace the keys learned before it.
func (r *ReadKeyRing) Learn(id string, key []byte) {
	if len(id) != format.ReadKeyIDLen || len(key) != format.ReadKeySize {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys[id] {
		if bytes.Equal(k, key) {
			return
		}
	}
	if len(r.keys[id]) < maxKeysPerID {
		r.keys[id] = append(r.keys[id], slices.Clone(key))
	}
}

func (r *ReadKeyRing) keysFor(id string) [][]byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.keys[id]
}

// Unwrap returns the file key from a read key stanza that a key in the
// ring opens.
func (r *ReadKeyRing) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != readKeyStanza || len(s.Args) != 2 {
			continue
		}
		keys := r.keysFor(s.Args[0])
		if len(keys) == 0 {
			continue
		}
		salt, err := base64.RawStdEncoding.Strict().DecodeString(s.Args[1])
		if err != nil || len(salt) != readKeySalt || len(s.Body) != fileKeySize+chacha20poly1305.Overhead {
			continue
		}
		for _, key := range keys {
			aead, err := readKeyAEAD(key, salt)
			if err != nil {
				return nil, err
			}
			if fileKey, err := aead.Open(nil, make([]byte, chacha20poly1305.NonceSize), s.Body, nil); err == nil {
				return fileKey, nil
			}
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// nonEmpty reports whether the ring holds a key: an empty ring need not
// parse a file to find nothing.
func (r *ReadKeyRing) nonEmpty() bool {
	if r == nil {
		return false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.keys) > 0
}
