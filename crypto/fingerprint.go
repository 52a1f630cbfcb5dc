package crypto

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// fingerprintInfo separates the fingerprint key from every other key
// derived from the identity (localAEAD's).
const fingerprintInfo = "tresor value fingerprint v1"

// Fingerprint returns a short keyed fingerprint of a secret value for
// display (git diff): the first 12 hex digits of HMAC-SHA256 under a key
// derived from the identity's private key material, so two versions with
// the same value show the same fingerprint to this identity, while a
// fingerprint someone copies out of a terminal is no unsalted hash that a
// dictionary of passwords could be tried against. ok is false for
// identities without such material (plugins).
func (id *Identity) Fingerprint(value []byte) (fp string, ok bool) {
	if len(id.cacheSecret) == 0 {
		return "", false
	}
	k, err := hkdf.Key(sha256.New, id.cacheSecret, nil, fingerprintInfo, 32)
	if err != nil {
		return "", false
	}
	m := hmac.New(sha256.New, k)
	m.Write(value)
	return hex.EncodeToString(m.Sum(nil))[:12], true
}
