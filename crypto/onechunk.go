package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"

	"filippo.io/age"
	"golang.org/x/crypto/chacha20poly1305"
)

// age encrypts the payload in STREAM chunks of 64 KiB (age-encryption.org/v1):
// after the header, a 16-byte nonce, then ChaCha20-Poly1305 chunks under
// HKDF-SHA256(file key, salt = nonce, info = "payload"), with a 12-byte
// nonce of an 11-byte big-endian counter and a last-chunk flag byte.
const (
	streamChunkSize = 64 << 10
	payloadNonceLen = 16
)

// errNotOneChunk sends a file down age's own path.
var errNotOneChunk = errors.New("not a one-chunk payload")

// decryptOneChunk decrypts an age file whose payload is a single (final)
// STREAM chunk: every secret under 64 KiB. age.Decrypt allocates and clears
// a 64 KiB chunk buffer per file, which is most of its cost when reading
// thousands of small secrets; here the header is checked by age itself
// (age.DecryptHeader: parse, unwrap and header MAC) and only the one chunk
// is opened by hand. Files of more than one chunk, and armor or headers not
// in the canonical form age writes, return errNotOneChunk. Tests check it
// against age.Decrypt on files age wrote, and on tampered ones.
func decryptOneChunk(armored []byte, ids []age.Identity, maxSize int) ([]byte, error) {
	bin, ok := dearmor(armored)
	if !ok {
		return nil, errNotOneChunk // let age judge (and report) it
	}
	hdr, payload, ok := splitHeader(bin)
	if !ok {
		return nil, errNotOneChunk
	}
	if len(payload) < payloadNonceLen+chacha20poly1305.Overhead || len(payload) > payloadNonceLen+streamChunkSize+chacha20poly1305.Overhead {
		return nil, errNotOneChunk
	}
	fileKey, err := age.DecryptHeader(hdr, ids...)
	if err != nil {
		return nil, headerError(err)
	}
	key, err := hkdf.Key(sha256.New, fileKey, payload[:payloadNonceLen], "payload", chacha20poly1305.KeySize)
	if err != nil {
		return nil, ErrTampered
	}
	aead, err := chacha20poly1305.New(key)
	if err != nil {
		return nil, ErrTampered
	}
	var nonce [chacha20poly1305.NonceSize]byte // counter 0
	nonce[len(nonce)-1] = 0x01                 // and the last chunk
	out, err := aead.Open(nil, nonce[:], payload[payloadNonceLen:], nil)
	if err != nil {
		return nil, ErrTampered
	}
	if len(out) > maxSize {
		return nil, errors.New("decrypted value is larger than the limit")
	}
	return out, nil
}

// splitHeader cuts a binary age file after its header: after the first
// line that starts with "---", the MAC line (stanza lines start with "->"
// and their bodies are base64, so no earlier line can). age.DecryptHeader
// then parses exactly those bytes, and refuses them if the cut was wrong.
func splitHeader(bin []byte) (hdr, payload []byte, ok bool) {
	if !bytes.HasPrefix(bin, []byte(ageVersionLine)) {
		return nil, nil, false
	}
	i := bytes.Index(bin, []byte("\n---"))
	if i < 0 {
		return nil, nil, false
	}
	j := bytes.IndexByte(bin[i+1:], '\n')
	if j < 0 {
		return nil, nil, false
	}
	end := i + 1 + j + 1
	return bin[:end], bin[end:], true
}

// ageVersionLine opens every age v1 header.
const ageVersionLine = "age-encryption.org/v1\n"
