package crypto

import (
	"crypto/cipher"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/tresor-dev/tresor/format"
)

// WriterKeys are the read keys this identity made on this clone, one per
// set of recipients, kept in local/ sealed like the file key cache (an AEAD
// key derived from the identity, bound to its recipient) so that later
// writes reuse them. A writer only ever reuses its own keys: a key someone
// else made could be known to someone who is not a reader.
type WriterKeys struct {
	aead    cipher.AEAD
	binding []byte
	keys    map[string]ReadKey // by recipientSetID
}

const writerKeysInfo = "tresor/v1/writer-read-keys"

// NewWriterKeys returns an empty store for the identity, or nil when the
// identity has no key material to seal it with (plugins).
func (id *Identity) NewWriterKeys() *WriterKeys {
	aead := id.localAEAD(writerKeysInfo)
	if aead == nil {
		return nil
	}
	return &WriterKeys{aead: aead, binding: []byte(id.recipient), keys: map[string]ReadKey{}}
}

// Load fills the store from sealed bytes; anything that does not open
// leaves it empty (new keys are made).
func (w *WriterKeys) Load(sealed []byte) {
	plain, ok := openLocal(w.aead, sealed, w.binding)
	if !ok {
		return
	}
	for _, line := range strings.Split(string(plain), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || len(f[1]) != format.ReadKeyIDLen {
			continue
		}
		key, err := hex.DecodeString(f[2])
		if err != nil || len(key) != format.ReadKeySize {
			continue
		}
		w.keys[f[0]] = ReadKey{ID: f[1], Key: key}
	}
}

// For returns the read key for files sealed to recipients, making one if
// there is none yet (made says so: the store needs saving); ok is false
// when a read key cannot join these recipients (plugins, or a mix of
// post-quantum and classic keys).
func (w *WriterKeys) For(recipients []string) (rk ReadKey, made, ok bool) {
	if _, ok := readKeyLabels(recipients); !ok || len(recipients) == 0 {
		return ReadKey{}, false, false
	}
	set := recipientSetID(recipients)
	if rk, ok := w.keys[set]; ok {
		return rk, false, true
	}
	rk = NewReadKey()
	w.keys[set] = rk
	return rk, true, true
}

// Seal returns the store encrypted for local/.
func (w *WriterKeys) Seal() []byte {
	sets := make([]string, 0, len(w.keys))
	for s := range w.keys {
		sets = append(sets, s)
	}
	slices.Sort(sets)
	var b strings.Builder
	for _, s := range sets {
		b.WriteString(s + " " + w.keys[s].ID + " " + hex.EncodeToString(w.keys[s].Key) + "\n")
	}
	return sealLocal(w.aead, []byte(b.String()), w.binding)
}

// recipientSetID names a set of recipients, for keeping one read key per set:
// a change of readers (a member removed, a key replaced) is another set and
// so gets another key.
func recipientSetID(recipients []string) string {
	sorted := slices.Clone(recipients)
	slices.Sort(sorted)
	return HashHex([]byte(strings.Join(sorted, "\n")))
}
