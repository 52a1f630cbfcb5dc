package format

import (
	"bytes"
	"errors"
)

// The payload envelope is the age plaintext of a secret file. It binds the
// exact header bytes, so a reader detects any edit of the plain header:
//
//	tresor-payload/v1\nheader-sha256: <64 hex>\n\n<value bytes>
const payloadTag = "tresor-payload/v1\nheader-sha256: "

// MaxValueSize is the largest secret value tresor stores.
const MaxValueSize = 1 << 20

// ErrValueTooLarge is returned for values over MaxValueSize.
var ErrValueTooLarge = errors.New("secret values are at most 1 MiB")

// MarshalPayload wraps value in the envelope bound to headerSHA256 (64
// lowercase hex digits).
func MarshalPayload(headerSHA256 string, value []byte) []byte {
	out := make([]byte, 0, len(payloadTag)+len(headerSHA256)+2+len(value))
	out = append(out, payloadTag...)
	out = append(out, headerSHA256...)
	out = append(out, "\n\n"...)
	return append(out, value...)
}

// ParsePayload splits an envelope into the header hash it binds and the value.
func ParsePayload(b []byte) (headerSHA256 string, value []byte, err error) {
	if !bytes.HasPrefix(b, []byte(payloadTag)) {
		return "", nil, errors.New("decrypted payload is not a tresor envelope")
	}
	rest := b[len(payloadTag):]
	if len(rest) < 66 || rest[64] != '\n' || rest[65] != '\n' || !isLowerHex(rest[:64]) {
		return "", nil, errors.New("decrypted payload has a malformed header hash")
	}
	if len(rest)-66 > MaxValueSize {
		return "", nil, ErrValueTooLarge
	}
	return string(rest[:64]), rest[66:], nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
