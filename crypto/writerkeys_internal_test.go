package crypto

import (
	"encoding/hex"
	"testing"
	"time"
)

// Stores written before keys had a time (three fields a line) still open,
// and their keys count as expired: the next write makes a fresh key.
func TestWriterKeysOldStoreExpired(t *testing.T) {
	id, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	recipients := []string{reader.Recipient()}
	old := NewReadKey()
	w := id.NewWriterKeys()
	line := recipientSetID(recipients) + " " + old.ID + " " + hex.EncodeToString(old.Key) + "\n"
	w.Load(sealLocal(w.aead, []byte(line), w.binding))
	if len(w.keys) != 1 {
		t.Fatalf("the old store did not load: %d keys", len(w.keys))
	}
	rk, made, ok := w.For(recipients, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if !ok || !made || rk.ID == old.ID {
		t.Fatalf("a key without a time was used for a new write (made=%v, same id=%v)", made, rk.ID == old.ID)
	}
}

// FuzzWriterKeysLoad: whatever a store's plaintext holds, Load never
// panics, keeps only well-formed keys, and what it keeps survives Seal and
// Load unchanged (the time included, to the second).
func FuzzWriterKeysLoad(f *testing.F) {
	id, err := Generate(true)
	if err != nil {
		f.Fatal(err)
	}
	set := recipientSetID([]string{id.Recipient()})
	key := hex.EncodeToString(make([]byte, 32))
	f.Add(set + " 0123456789abcdef " + key + " 2026-11-25T18:40:00Z\n")
	f.Add(set + " 0123456789abcdef " + key + "\n")
	f.Add(set + " 0123456789abcdef " + key + " yesterday\n" + set + " 0123456789abcdef " + key + " 2026-11-25T18:40:00+02:00\n")
	f.Fuzz(func(t *testing.T, plain string) {
		w := id.NewWriterKeys()
		w.Load(sealLocal(w.aead, []byte(plain), w.binding))
		for s, k := range w.keys {
			if len(k.ID) != 16 || len(k.Key) != 32 || s == "" {
				t.Fatalf("kept a malformed key: %q %q %d bytes", s, k.ID, len(k.Key))
			}
		}
		again := id.NewWriterKeys()
		again.Load(w.Seal())
		if len(again.keys) != len(w.keys) {
			t.Fatalf("%d keys, %d after Seal and Load", len(w.keys), len(again.keys))
		}
		for s, k := range w.keys {
			a := again.keys[s]
			if a.ID != k.ID || string(a.Key) != string(k.Key) || !a.made.Equal(k.made.Truncate(time.Second)) {
				t.Fatalf("set %q: %v, after Seal and Load %v", s, k, a)
			}
		}
	})
}
