package crypto_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
)

// testNow is the fake clock of the writer key tests.
var testNow = time.Date(2026, 11, 25, 18, 40, 0, 0, time.UTC)

// A writer's key is used for new writes until it is MaxReadKeyAge old, then
// replaced; its time survives Seal and Load, and a key from the future (a
// clock set back) is not trusted to be young.
func TestWriterKeysMaxAge(t *testing.T) {
	id := mustGenerate(t, true)
	readers := []string{mustGenerate(t, true).Recipient(), mustGenerate(t, true).Recipient()}
	w := id.NewWriterKeys()
	k1, made, ok := w.For(readers, testNow)
	if !ok || !made {
		t.Fatal("no key made")
	}
	young := testNow.Add(crypto.MaxReadKeyAge - time.Second)
	if k, made, _ := w.For(readers, young); k.ID != k1.ID || made {
		t.Fatal("a key younger than the maximum was replaced")
	}
	loaded := id.NewWriterKeys()
	loaded.Load(w.Seal())
	if k, made, _ := loaded.For(readers, young); k.ID != k1.ID || made {
		t.Fatal("after Seal and Load, a young key was replaced (its time was lost)")
	}
	old := testNow.Add(crypto.MaxReadKeyAge)
	k2, made, _ := w.For(readers, old)
	if k2.ID == k1.ID || bytes.Equal(k2.Key, k1.Key) || !made {
		t.Fatal("a key of the maximum age is still used for new writes")
	}
	if k, made, _ := w.For(readers, old.Add(time.Hour)); k.ID != k2.ID || made {
		t.Fatal("the fresh key was not kept")
	}
	loaded = id.NewWriterKeys()
	loaded.Load(w.Seal())
	if k, _, _ := loaded.For(readers, old.Add(time.Hour)); k.ID != k2.ID {
		t.Fatal("the fresh key did not survive Seal and Load")
	}

	back := id.NewWriterKeys()
	b1, _, _ := back.For(readers, testNow)
	if k, made, _ := back.For(readers, testNow.Add(-time.Hour)); k.ID == b1.ID || !made {
		t.Fatal("a key made after now (the clock went back) is still used")
	}
}

// Retire forgets a set's key at once (reencrypt --force, rotate): the next
// write gets a fresh key, and the old one is gone from the sealed store.
// Making a key also drops the other sets' expired keys from the store.
func TestWriterKeysRetire(t *testing.T) {
	id := mustGenerate(t, false)
	a, b := mustGenerate(t, false).Recipient(), mustGenerate(t, false).Recipient()
	w := id.NewWriterKeys()
	k1, _, _ := w.For([]string{a, b}, testNow)
	other, _, _ := w.For([]string{a}, testNow)
	if !w.Retire([]string{b, a}) {
		t.Fatal("Retire found no key for the set")
	}
	if w.Retire([]string{a, b}) {
		t.Fatal("Retire found a key twice")
	}
	loaded := id.NewWriterKeys()
	loaded.Load(w.Seal())
	k2, made, _ := loaded.For([]string{a, b}, testNow)
	if k2.ID == k1.ID || bytes.Equal(k2.Key, k1.Key) || !made {
		t.Fatal("a retired key came back")
	}
	if k, made, _ := loaded.For([]string{a}, testNow); k.ID != other.ID || made {
		t.Fatal("retiring one set's key touched another set's")
	}

	// A month on, the first write to a new set prunes the expired keys.
	later := testNow.Add(crypto.MaxReadKeyAge)
	if _, made, _ := loaded.For([]string{b}, later); !made {
		t.Fatal("no key made for a new set")
	}
	if loaded.Retire([]string{a}) || loaded.Retire([]string{a, b}) {
		t.Fatal("expired keys were kept in the store")
	}
}
