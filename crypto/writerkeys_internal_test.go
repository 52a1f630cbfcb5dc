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
