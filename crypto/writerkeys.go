package crypto

import (
	"crypto/cipher"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// WriterKeys are the read keys this identity made on this clone, one per
// set of recipients, kept in local/ sealed like the file key cache (an AEAD
// key derived from the identity, bound to its recipient) so that later
// writes reuse them. A writer only ever reuses its own keys: a key someone
// else made could be known to someone who is not a reader.
//
// A key is used for new writes for at most MaxReadKeyAge after it was made,
// and Retire drops one at once (reencrypt --force, rotate): a key that
// leaked opens only what was sealed under it before it was replaced.
type WriterKeys struct {
	aead    cipher.AEAD
	binding []byte
	keys    map[string]writerKey // by recipientSetID
}

// A writerKey is a read key and when it was made.
type writerKey struct {
	ReadKey
	made time.Time // zero for keys stored before keys had a time: expired
}

// MaxReadKeyAge is how long a writer seals new files under one read key
// before it makes a fresh one. A leaked read key opens every file its
// writer sealed under it for that reader set (docs/security.md, "Read
// keys"), so its age bounds how many future values a leak exposes. 30 days
// is about one release or rotation cycle: long enough that a team's cold
// reads still pay one asymmetric unwrap per writer and reader set most of
// the time (a new key adds one more per set and month), short enough that a
// key taken from a reader's memory stops covering new writes within a month
// even when no one notices the leak.
const MaxReadKeyAge = 30 * 24 * time.Hour

const writerKeysInfo = "tresor/v1/writer-read-keys"

// NewWriterKeys returns an empty store for the identity, or nil when the
// identity has no key material to seal it with (plugins).
func (id *Identity) NewWriterKeys() *WriterKeys {
	aead := id.localAEAD(writerKeysInfo)
	if aead == nil {
		return nil
	}
	return &WriterKeys{aead: aead, binding: []byte(id.recipient), keys: map[string]writerKey{}}
}

// Load fills the store from sealed bytes; anything that does not open
// leaves it empty (new keys are made). Lines without a time (stores written
// before keys had one) are kept as expired: For replaces them.
func (w *WriterKeys) Load(sealed []byte) {
	plain, ok := openLocal(w.aead, sealed, w.binding)
	if !ok {
		return
	}
	for _, line := range strings.Split(string(plain), "\n") {
		f := strings.Fields(line)
		if (len(f) != 3 && len(f) != 4) || len(f[0]) != 64 || len(f[1]) != format.ReadKeyIDLen {
			continue
		}
		key, err := hex.DecodeString(f[2])
		if err != nil || len(key) != format.ReadKeySize {
			continue
		}
		var made time.Time // zero, so expired, when absent or not as Seal writes it
		if len(f) == 4 {
			if t, err := time.Parse(time.RFC3339, f[3]); err == nil && t.UTC().Format(time.RFC3339) == f[3] {
				made = t
			}
		}
		w.keys[f[0]] = writerKey{ReadKey: ReadKey{ID: f[1], Key: key}, made: made}
	}
}

// For returns the read key for files sealed to recipients at now, making
// one if there is none yet or the one there is expired (made says so: the
// store needs saving); ok is false when a read key cannot join these
// recipients (plugins, or a mix of post-quantum and classic keys).
func (w *WriterKeys) For(recipients []string, now time.Time) (rk ReadKey, made, ok bool) {
	if _, ok := readKeyLabels(recipients); !ok || len(recipients) == 0 {
		return ReadKey{}, false, false
	}
	set := recipientSetID(recipients)
	if k, ok := w.keys[set]; ok && !k.expired(now) {
		return k.ReadKey, false, true
	}
	// The store is about to be saved: drop every expired key with it, so
	// that local/ does not keep keys no write will use again.
	maps.DeleteFunc(w.keys, func(_ string, k writerKey) bool { return k.expired(now) })
	rk = NewReadKey()
	w.keys[set] = writerKey{ReadKey: rk, made: now.UTC().Truncate(time.Second)}
	return rk, true, true
}

// expired reports whether new writes at now must not use the key: it is
// older than MaxReadKeyAge, has no time, or was made after now (a clock set
// back cannot tell its age).
func (k writerKey) expired(now time.Time) bool {
	return k.made.IsZero() || k.made.After(now) || now.Sub(k.made) >= MaxReadKeyAge
}

// Retire forgets the read key for recipients, so that the next For makes a
// fresh one; it reports whether there was one (the store needs saving).
// For a key that may have leaked: files sealed afterwards do not share it.
func (w *WriterKeys) Retire(recipients []string) bool {
	set := recipientSetID(recipients)
	_, ok := w.keys[set]
	delete(w.keys, set)
	return ok
}

// Seal returns the store encrypted for local/.
func (w *WriterKeys) Seal() []byte {
	var b strings.Builder
	for _, s := range slices.Sorted(maps.Keys(w.keys)) {
		k := w.keys[s]
		b.WriteString(s + " " + k.ID + " " + hex.EncodeToString(k.Key))
		if !k.made.IsZero() {
			b.WriteString(" " + k.made.UTC().Format(time.RFC3339))
		}
		b.WriteString("\n")
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
