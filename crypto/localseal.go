package crypto

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"

	"golang.org/x/crypto/chacha20poly1305"
)

// State in local/ that only this identity may read (the file key cache,
// the writer's read keys) is sealed under a key derived from the identity
// and bound to its recipient; see docs/security.md.

// localAEAD returns the XChaCha20-Poly1305 key that local state of kind
// info is sealed under: HKDF-SHA256 of the identity's private key material.
// It is nil for identities without such material (plugins).
func (id *Identity) localAEAD(info string) cipher.AEAD {
	if len(id.cacheSecret) == 0 {
		return nil
	}
	k, err := hkdf.Key(sha256.New, id.cacheSecret, nil, info, chacha20poly1305.KeySize)
	if err != nil {
		return nil
	}
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return nil
	}
	return aead
}

// sealLocal encrypts local state under aead, bound to binding (the
// identity's recipient): a random nonce, then the ciphertext.
func sealLocal(aead cipher.AEAD, plain, binding []byte) []byte {
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plain, binding)
}

// openLocal opens what sealLocal made; ok is false for anything else.
func openLocal(aead cipher.AEAD, sealed, binding []byte) (plain []byte, ok bool) {
	ns := aead.NonceSize()
	if len(sealed) < ns {
		return nil, false
	}
	plain, err := aead.Open(nil, sealed[:ns], sealed[ns:], binding)
	return plain, err == nil
}
