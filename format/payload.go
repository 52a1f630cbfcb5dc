package format

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
)

// The payload envelope is the age plaintext of a secret file. It binds the
// exact header bytes, so a reader detects any edit of the plain header, and
// may carry the writer's read key for the file's readers (see
// crypto.ReadKey and docs/formats.md):
//
//	tresor-payload/v1\nheader-sha256: <64 hex>\n[read-key: <16 hex id> <64 hex key>\n]
//	[previous: <bytes>\n][pending: <bytes>\n]\n<value bytes><previous bytes><pending bytes>
//
// previous is the value a rotation replaced (tresor get --previous), pending
// the new value of a two-phase rotation whose rotator has not yet succeeded.
// The three together are at most MaxValueSize bytes.
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
	Previous     []byte // nil, or the value before the last rotation
	Pending      []byte // nil, or the value a rotation in progress will make current
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
	if p.Previous != nil {
		out = append(out, previousPrefix...)
		out = strconv.AppendInt(out, int64(len(p.Previous)), 10)
		out = append(out, '\n')
	}
	if p.Pending != nil {
		out = append(out, pendingPrefix...)
		out = strconv.AppendInt(out, int64(len(p.Pending)), 10)
		out = append(out, '\n')
	}
	out = append(out, '\n')
	out = append(out, p.Value...)
	out = append(out, p.Previous...)
	return append(out, p.Pending...)
}

const (
	previousPrefix = "previous: "
	pendingPrefix  = "pending: "
)

// cutLength reads "<prefix><decimal>\n" at the start of b: a length of at
// least 1 and at most MaxValueSize, without leading zeros.
func cutLength(b []byte, prefix string) (n int, rest []byte, ok bool, err error) {
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return 0, b, false, nil
	}
	line := b[len(prefix):]
	end := bytes.IndexByte(line, '\n')
	if end < 1 || end > 7 || line[0] == '0' {
		return 0, nil, true, errors.New("decrypted payload has a malformed " + prefix[:len(prefix)-2] + " length")
	}
	for _, c := range line[:end] {
		if c < '0' || c > '9' {
			return 0, nil, true, errors.New("decrypted payload has a malformed " + prefix[:len(prefix)-2] + " length")
		}
	}
	n, _ = strconv.Atoi(string(line[:end]))
	if n > MaxValueSize {
		return 0, nil, true, ErrValueTooLarge
	}
	return n, line[end+1:], true, nil
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
	prevLen, rest, hasPrev, err := cutLength(rest, previousPrefix)
	if err != nil {
		return Payload{}, err
	}
	pendLen, rest, hasPend, err := cutLength(rest, pendingPrefix)
	if err != nil {
		return Payload{}, err
	}
	if len(rest) < 1 || rest[0] != '\n' {
		return Payload{}, errors.New("decrypted payload has no blank line before the value")
	}
	rest = rest[1:]
	if len(rest) > MaxValueSize {
		return Payload{}, ErrValueTooLarge
	}
	valueLen := len(rest) - prevLen - pendLen
	if (hasPrev || hasPend) && valueLen < 1 {
		return Payload{}, errors.New("decrypted payload is shorter than its previous and pending values")
	}
	p.Value = rest[:valueLen]
	if hasPrev {
		p.Previous = rest[valueLen : valueLen+prevLen]
	}
	if hasPend {
		p.Pending = rest[valueLen+prevLen:]
	}
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
