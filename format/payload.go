package format

import (
	"bytes"
	"encoding/hex"
	"errors"
)

// The payload envelope is the age plaintext of a secret file. It binds the
// exact header bytes, so a reader detects any edit of the plain header, and
// may carry the writer's read key for the file's readers (see
// crypto.ReadKey and docs/formats.md):
//
//	tresor-payload/v1\nheader-sha256: <64 hex>\n[read-key: <16 hex id> <64 hex key>\n]\n<value bytes>
const (
	payloadTag     = "tresor-payload/v1\nheader-sha256: "
	readKeyPrefix  = "read-key: "
	ReadKeyIDLen   = 16 // hex digits of a read key's id
	ReadKeySize    = 32 // bytes of a read key
	readKeyLineLen = len(readKeyPrefix) + ReadKeyIDLen + 1 + 2*ReadKeySize + 1
)

// MaxValueSize is the largest secret value tresor stores.
const MaxValueSize = 1 << 20

// ErrValueTooLarge is returned for values over MaxValueSize.
var ErrValueTooLarge = errors.New("secret values are at most 1 MiB")

// A Payload is a secret file's decrypted envelope.
type Payload struct {
	HeaderSHA256 string // 64 lowercase hex digits
	ReadKeyID    string // empty, or ReadKeyIDLen lowercase hex digits
	ReadKey      []byte // ReadKeySize bytes when ReadKeyID is set
	Value        []byte
}

// MarshalPayload wraps value in the envelope bound to headerSHA256 (64
// lowercase hex digits), with no read key.
func MarshalPayload(headerSHA256 string, value []byte) []byte {
	return Payload{HeaderSHA256: headerSHA256, Value: value}.Marshal()
}

// Marshal writes the envelope.
func (p Payload) Marshal() []byte {
	out := make([]byte, 0, len(payloadTag)+len(p.HeaderSHA256)+2+readKeyLineLen+len(p.Value))
	out = append(out, payloadTag...)
	out = append(out, p.HeaderSHA256...)
	out = append(out, '\n')
	if p.ReadKeyID != "" {
		out = append(out, readKeyPrefix...)
		out = append(out, p.ReadKeyID...)
		out = append(out, ' ')
		out = hex.AppendEncode(out, p.ReadKey)
		out = append(out, '\n')
	}
	out = append(out, '\n')
	return append(out, p.Value...)
}

// ParsePayload reads an envelope. Only the canonical form parses.
func ParsePayload(b []byte) (Payload, error) {
	var p Payload
	if !bytes.HasPrefix(b, []byte(payloadTag)) {
		return p, errors.New("decrypted payload is not a tresor envelope")
	}
	rest := b[len(payloadTag):]
	if len(rest) < 65 || rest[64] != '\n' || !isLowerHex(rest[:64]) {
		return p, errors.New("decrypted payload has a malformed header hash")
	}
	p.HeaderSHA256, rest = string(rest[:64]), rest[65:]
	if bytes.HasPrefix(rest, []byte(readKeyPrefix)) {
		line := rest[len(readKeyPrefix):]
		const idEnd, keyEnd = ReadKeyIDLen, ReadKeyIDLen + 1 + 2*ReadKeySize
		if len(line) <= keyEnd || line[idEnd] != ' ' || line[keyEnd] != '\n' ||
			!isLowerHex(line[:idEnd]) || !isLowerHex(line[idEnd+1:keyEnd]) {
			return p, errors.New("decrypted payload has a malformed read key")
		}
		p.ReadKeyID = string(line[:idEnd])
		p.ReadKey, _ = hex.DecodeString(string(line[idEnd+1 : keyEnd]))
		rest = line[keyEnd+1:]
	}
	if len(rest) < 1 || rest[0] != '\n' {
		return Payload{}, errors.New("decrypted payload has no blank line before the value")
	}
	if len(rest)-1 > MaxValueSize {
		return Payload{}, ErrValueTooLarge
	}
	p.Value = rest[1:]
	return p, nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
