// Package crypto holds everything cryptographic in tresor: identities and
// where they are found, recipients, encryption over filippo.io/age (the only
// package that imports it), ed25519 signing keys and hashes.
package crypto

import (
	"crypto/sha256"
	"encoding/hex"
)

// HashHex returns the lowercase hex SHA-256 of b.
func HashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// FileHash returns "sha256:<hex>", the form journal entries record.
func FileHash(b []byte) string { return "sha256:" + HashHex(b) }
