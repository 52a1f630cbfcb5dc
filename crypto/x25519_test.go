package crypto

import (
	"bytes"
	"errors"
	"io"
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
