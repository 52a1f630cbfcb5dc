package crypto

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// x25519Unwrapper unwraps age X25519 stanzas (age-encryption.org/v1, the
// "X25519" recipient type) with a private key parsed once. age's own
// X25519Identity goes through curve25519.X25519, which rebuilds the key and
// recomputes its public half on every call: two scalar multiplications per
// file where one is needed. When reading thousands of files that is half
// the cost of a cold tresor exec. Interop tests decrypt files made by the
// stock age CLI with it.
type x25519Unwrapper struct {
	priv *ecdh.PrivateKey
	pub  []byte
}

const x25519Label = "age-encryption.org/v1/X25519"

// x25519Wrapper writes age X25519 stanzas (the same format as age's
// X25519Recipient) to a public key parsed once. age's own recipient goes
// through curve25519.X25519 twice per stanza, and each call rebuilds the
// ephemeral key and recomputes its public half: four scalar
// multiplications where two are needed (one for the ephemeral share, one
// for the shared secret). Re-encrypting thousands of files spends most of
// its time there. Every stanza still gets its own fresh ephemeral key, as
// with age; interop tests open its files with the stock age CLI.
type x25519Wrapper struct {
	pub *ecdh.PublicKey
}

func newX25519Wrapper(pub []byte) (*x25519Wrapper, error) {
	k, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return &x25519Wrapper{pub: k}, nil
}

// Wrap seals fileKey to the public key under a fresh ephemeral key.
func (x *x25519Wrapper) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := eph.ECDH(x.pub)
	if err != nil {
		return nil, err // a low-order public key: age refuses it too
	}
	ours := eph.PublicKey().Bytes()
	aead, err := x25519StanzaAEAD(shared, ours, x.pub.Bytes())
	if err != nil {
		return nil, err
	}
	body := aead.Seal(nil, make([]byte, chacha20poly1305.NonceSize), fileKey, nil)
	return []*age.Stanza{{
		Type: "X25519",
		Args: []string{base64.RawStdEncoding.EncodeToString(ours)},
		Body: body,
	}}, nil
}

// x25519StanzaAEAD is the cipher that seals an X25519 stanza's file key:
// ChaCha20-Poly1305 under HKDF-SHA256(shared secret, ephemeral share ||
// recipient, x25519Label), always with the zero nonce (each key seals once).
func x25519StanzaAEAD(shared, ephemeral, recipient []byte) (cipher.AEAD, error) {
	salt := make([]byte, 0, len(ephemeral)+len(recipient))
	salt = append(append(salt, ephemeral...), recipient...)
	wrapKey, err := hkdf.Key(sha256.New, shared, salt, x25519Label, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.New(wrapKey)
}

func newX25519Unwrapper(secret []byte) (*x25519Unwrapper, error) {
	priv, err := ecdh.X25519().NewPrivateKey(secret)
	if err != nil {
		return nil, err
	}
	return &x25519Unwrapper{priv: priv, pub: priv.PublicKey().Bytes()}, nil
}

// Unwrap returns the file key from the first X25519 stanza this key opens.
func (x *x25519Unwrapper) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != "X25519" || len(s.Args) != 1 {
			continue
		}
		eph, err := base64.RawStdEncoding.Strict().DecodeString(s.Args[0])
		if err != nil || len(eph) != 32 {
			return nil, errors.New("invalid X25519 recipient block")
		}
		peer, err := ecdh.X25519().NewPublicKey(eph)
		if err != nil {
			return nil, errors.New("invalid X25519 recipient block")
		}
		shared, err := x.priv.ECDH(peer)
		if err != nil {
			return nil, errors.New("invalid X25519 recipient block") // low-order point
		}
		aead, err := x25519StanzaAEAD(shared, eph, x.pub)
		if err != nil {
			return nil, err
		}
		if len(s.Body) != fileKeySize+aead.Overhead() {
			return nil, errors.New("invalid X25519 recipient block: incorrect file key size")
		}
		fileKey, err := aead.Open(nil, make([]byte, chacha20poly1305.NonceSize), s.Body, nil)
		if err != nil {
			continue // another recipient's stanza
		}
		return fileKey, nil
	}
	return nil, age.ErrIncorrectIdentity
}
