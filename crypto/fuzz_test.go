package crypto_test

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age/plugin"

	"github.com/tresor-dev/tresor/crypto"
)

// FuzzParseIdentity: ParseIdentity never panics, never echoes its input in
// an error, and what it accepts as an age key round trips through FileText.
func FuzzParseIdentity(f *testing.F) {
	pq, err := crypto.Generate(false)
	if err != nil {
		f.Fatal(err)
	}
	k := testSSHKeys()
	for _, seed := range []string{
		"", fixedIdentity, "# public key: " + fixedRecipient + "\n" + fixedIdentity + "\n",
		pq.FileText(), string(k.ed25519PEM), string(k.rsaPEM),
		plugin.EncodeIdentity("yubikey", []byte{1, 2, 3}),
		"age-encryption.org/v1\n", "-----BEGIN AGE ENCRYPTED FILE-----\n",
		"-----BEGIN OPENSSH PRIVATE KEY-----\n", "AGE-SECRET-KEY-1", "AGE-SECRET-KEY-PQ-1",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		id, err := crypto.ParseIdentity(text, crypto.ParseOptions{Plugins: []string{"yubikey"}})
		if err != nil {
			if in := bytes.TrimSpace(text); len(in) >= 16 && strings.Contains(err.Error(), string(in)) {
				t.Fatalf("error %q contains the input", err)
			}
			return
		}
		if id.Kind() != crypto.KindX25519 && id.Kind() != crypto.KindHybrid {
			return
		}
		back, err := crypto.ParseIdentity([]byte(id.FileText()), crypto.ParseOptions{})
		if err != nil {
			t.Fatalf("FileText of an accepted identity does not parse: %v", err)
		}
		if back.Recipient() != id.Recipient() || back.Signer() != id.Signer() || back.SecretText() != id.SecretText() {
			t.Fatalf("FileText round trip changed the identity")
		}
	})
}

// FuzzNormalizeRecipient: normal forms are fixed points.
func FuzzNormalizeRecipient(f *testing.F) {
	k := testSSHKeys()
	for _, seed := range []string{
		fixedRecipient, k.ed25519Pub + " comment", k.rsaPub, k.ecdsaPubKey,
		plugin.EncodeRecipient("yubikey", []byte{4, 5, 6}), "age1pq1", "ssh-ed25519 ", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		norm, err := crypto.NormalizeRecipient(s, []string{"yubikey"})
		if err != nil {
			return
		}
		again, err := crypto.NormalizeRecipient(norm, []string{"yubikey"})
		if err != nil || again != norm {
			t.Fatalf("NormalizeRecipient(%q) = %q, then %q, %v", s, norm, again, err)
		}
	})
}

// FuzzParseSigner: a signer ParseSigner accepts is exactly EncodeSigner's
// form, so one key has one text.
func FuzzParseSigner(f *testing.F) {
	f.Add(pinnedFixedSigner)
	f.Add("ed25519:")
	f.Add("ed25519:AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := crypto.ParseSigner(s)
		if err != nil {
			return
		}
		if enc := crypto.EncodeSigner(pub); enc != s {
			t.Fatalf("ParseSigner accepted %q, which encodes back as %q", s, enc)
		}
	})
}

// FuzzParseCard: a card's parts put back together parse the same.
func FuzzParseCard(f *testing.F) {
	f.Add(fixedRecipient + " " + pinnedFixedSigner)
	f.Add(testSSHKeys().ed25519Pub)
	f.Add(" ed25519:x")
	f.Fuzz(func(t *testing.T, card string) {
		r, s := crypto.ParseCard(card)
		if s != "" && !strings.HasPrefix(s, "ed25519:") {
			t.Fatalf("signer %q without the ed25519: prefix", s)
		}
		joined := r
		if s != "" {
			joined += " " + s
		}
		if r2, s2 := crypto.ParseCard(joined); r2 != r || s2 != s {
			t.Fatalf("ParseCard(%q) = (%q, %q), but its parts rejoined give (%q, %q)", card, r, s, r2, s2)
		}
	})
}
