package crypto

import (
	"bytes"
	"crypto/ecdh"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// The fast X25519 unwrap must open exactly what age's own identity opens.
func TestX25519UnwrapperMatchesAge(t *testing.T) {
	id, err := Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := id.ages[0].(*x25519Unwrapper); !ok {
		t.Fatalf("an X25519 identity unwraps with %T, want the fast unwrapper", id.ages[0])
	}
	stock, err := age.ParseX25519Identity(id.SecretText())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	for _, recipients := range [][]age.Recipient{
		{stock.Recipient()},
		{other.Recipient(), stock.Recipient()},
	} {
		var buf bytes.Buffer
		aw := armor.NewWriter(&buf)
		w, err := age.Encrypt(aw, recipients...)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "the value")
		w.Close()
		aw.Close()
		got, err := Decrypt(buf.Bytes(), id, 100)
		if err != nil || string(got) != "the value" {
			t.Fatalf("Decrypt = %q, %v", got, err)
		}
	}
	// A file for someone else only is not ours.
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, _ := age.Encrypt(aw, other.Recipient())
	io.WriteString(w, "x")
	w.Close()
	aw.Close()
	if _, err := Decrypt(buf.Bytes(), id, 100); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("Decrypt of another's file: %v, want ErrNotRecipient", err)
	}
}

func TestDecodeBech32(t *testing.T) {
	k, _ := age.GenerateX25519Identity()
	hrp, data, err := decodeBech32(k.String())
	if err != nil || hrp != "age-secret-key-" || len(data) != 32 {
		t.Fatalf("decodeBech32 = %q, %d bytes, %v", hrp, len(data), err)
	}
	s := k.String()
	last := byte('q')
	if s[len(s)-1] == 'Q' {
		last = 'p'
	}
	bad := s[:len(s)-1] + string(last-'a'+'A')
	if _, _, err := decodeBech32(bad); err == nil {
		t.Fatal("decodeBech32 accepted a broken checksum")
	}
}

// Files sealed through the fast X25519 wrap must open with age's own
// identity, each stanza with its own ephemeral share.
func TestX25519WrapperOpensWithAge(t *testing.T) {
	a, _ := age.GenerateX25519Identity()
	b, _ := age.GenerateX25519Identity()
	r, err := parseRecipient(a.Recipient().String(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*x25519Wrapper); !ok {
		t.Fatalf("an X25519 recipient seals with %T, want the fast wrapper", r)
	}
	if again, _ := parseRecipient(a.Recipient().String(), nil, nil); again != r {
		t.Fatal("a recipient parsed twice was not taken from the cache")
	}
	armored, err := Sealer{}.Encrypt([]string{a.Recipient().String(), b.Recipient().String()}, []byte("the value"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []*age.X25519Identity{a, b} {
		rd, err := age.Decrypt(armor.NewReader(bytes.NewReader(armored)), id)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rd)
		if string(got) != "the value" {
			t.Fatalf("age opened %q", got)
		}
	}
	s1, _ := r.Wrap(make([]byte, 16))
	s2, _ := r.Wrap(make([]byte, 16))
	if s1[0].Args[0] == s2[0].Args[0] {
		t.Fatal("two stanzas share an ephemeral share")
	}
	// A low-order point gives an all-zero shared secret; age refuses it.
	if _, err := (&x25519Wrapper{pub: mustPub(t, make([]byte, 32))}).Wrap(make([]byte, 16)); err == nil {
		t.Fatal("wrapped to a low-order public key")
	}
}

func mustPub(t *testing.T, b []byte) *ecdh.PublicKey {
	t.Helper()
	k, err := ecdh.X25519().NewPublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzNativeRecipient: the cached parse of a native recipient accepts an
// X25519 recipient exactly when age does, and then holds its key; it never
// panics on anything else.
func FuzzNativeRecipient(f *testing.F) {
	a, _ := age.GenerateX25519Identity()
	for _, seed := range []string{
		a.Recipient().String(), strings.ToUpper(a.Recipient().String()), "age1", "age1qqqqqq",
		"age1yubikey1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "ssh-ed25519 AAAA", "age1pq1xyz", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseNative(s)
		stock, stockErr := age.ParseX25519Recipient(s)
		w, isX := r.(*x25519Wrapper)
		if (stockErr == nil) != (err == nil && isX) {
			t.Fatalf("age: %v; ours: %T, %v", stockErr, r, err)
		}
		if isX && err == nil {
			want := stock.String()
			_, pub, _ := decodeBech32(want)
			if !bytes.Equal(w.pub.Bytes(), pub) {
				t.Fatalf("key %x, age's %x", w.pub.Bytes(), pub)
			}
		}
	})
}
