package crypto

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	"golang.org/x/crypto/ssh"
)

// signingKeyInfo is the HKDF info string of the signing key derivation.
// Changing it changes every member's signer.
const signingKeyInfo = "tresor/v1/signing-key"

// DeriveSigningKey derives the ed25519 signing key of an age identity:
// seed = HKDF-SHA256(ikm = identity text as age prints it, salt = empty,
// info = "tresor/v1/signing-key"). One secret string thus gives both
// decryption and signing, and the signer cannot be computed from the
// recipient.
func DeriveSigningKey(identityText string) ed25519.PrivateKey {
	seed, err := hkdf.Key(sha256.New, []byte(identityText), nil, signingKeyInfo, ed25519.SeedSize)
	if err != nil {
		panic("crypto: hkdf: " + err.Error()) // only fails for absurd lengths
	}
	return ed25519.NewKeyFromSeed(seed)
}

// EncodeSigner writes a public signing key as "ed25519:<base64>".
func EncodeSigner(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(pub)
}

// ErrBadSigner is returned for a signer that is not ed25519:<base64 of 32 bytes>.
var ErrBadSigner = errors.New("signer must be ed25519:<base64 of a 32-byte key>")

// ParseSigner reads "ed25519:<base64>".
func ParseSigner(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(s, "ed25519:")
	if !ok {
		return nil, ErrBadSigner
	}
	b, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, ErrBadSigner
	}
	return ed25519.PublicKey(b), nil
}

// SignerOf returns the public key that signs for a member with this
// recipient and declared signer: the declared one, or the ssh-ed25519 key
// itself. ok is false when the member cannot sign (ssh-rsa, plugins, or no
// signer given).
func SignerOf(recipient, signer string) (pub ed25519.PublicKey, ok bool, err error) {
	if signer != "" {
		pub, err := ParseSigner(signer)
		return pub, err == nil, err
	}
	if strings.HasPrefix(recipient, "ssh-ed25519 ") {
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(recipient))
		if err != nil {
			return nil, false, errors.New("malformed ssh-ed25519 recipient")
		}
		ck, ok := k.(ssh.CryptoPublicKey)
		if !ok {
			return nil, false, errors.New("malformed ssh-ed25519 recipient")
		}
		pub, ok := ck.CryptoPublicKey().(ed25519.PublicKey)
		return pub, ok, nil
	}
	return nil, false, nil
}

// Sign signs msg and returns "ed25519:<base64>".
func Sign(key ed25519.PrivateKey, msg []byte) string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
}

// ErrBadSignature is returned when a signature does not verify.
var ErrBadSignature = errors.New("signature does not verify")
