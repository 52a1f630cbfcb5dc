package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// hkdfSHA256 is RFC 5869 written out with HMAC, independent of the
// crypto/hkdf package DeriveSigningKey uses.
func hkdfSHA256(ikm, salt, info []byte, length int) []byte {
	if len(salt) == 0 {
		salt = make([]byte, sha256.Size) // RFC 5869 §2.2: HashLen zeros
	}
	ext := hmac.New(sha256.New, salt)
	ext.Write(ikm)
	prk := ext.Sum(nil)
	var okm, prev []byte
	for i := byte(1); len(okm) < length; i++ {
		exp := hmac.New(sha256.New, prk)
		exp.Write(prev)
		exp.Write(info)
		exp.Write([]byte{i})
		prev = exp.Sum(nil)
		okm = append(okm, prev...)
	}
	return okm[:length]
}

// pinnedFixedSigner is the signer of fixedIdentity. It is part of the
// format: every member's signer in every policy.yaml depends on it. If this
// test fails, the derivation changed and every vault's signers with it.
const pinnedFixedSigner = "ed25519:wfnz8TTzfYWBipAGLcCRPcKlVY7EMdr7o0T/rPB2Wy0="

func TestDeriveSigningKey(t *testing.T) {
	want := ed25519.NewKeyFromSeed(hkdfSHA256([]byte(fixedIdentity), nil, []byte("tresor/v1/signing-key"), ed25519.SeedSize))

	got := crypto.DeriveSigningKey(fixedIdentity)
	if !bytes.Equal(got, want) {
		t.Fatalf("DeriveSigningKey differs from HKDF-SHA256(ikm=identity, salt=empty, info=tresor/v1/signing-key)")
	}
	if again := crypto.DeriveSigningKey(fixedIdentity); !bytes.Equal(again, got) {
		t.Fatalf("DeriveSigningKey is not deterministic")
	}
	if s := crypto.EncodeSigner(got.Public().(ed25519.PublicKey)); s != pinnedFixedSigner {
		t.Errorf("signer of the fixed identity = %s, pinned %s", s, pinnedFixedSigner)
	}

	// A different identity text (even one character) gives another key.
	other := crypto.DeriveSigningKey(strings.ToLower(fixedIdentity))
	if bytes.Equal(other, got) {
		t.Errorf("two identity texts derive the same signing key")
	}

	// The identity parsed from text signs with the derived key, whatever
	// comments surround the key in its file.
	id := mustParse(t, "# created: today\n# public key: "+fixedRecipient+"\n\n  "+fixedIdentity+"  \n")
	if !bytes.Equal(id.SignerKey(), want.Public().(ed25519.PublicKey)) {
		t.Errorf("parsed identity's SignerKey is not the derived key")
	}
	if id.Signer() != pinnedFixedSigner {
		t.Errorf("parsed identity's Signer() = %q, want %q", id.Signer(), pinnedFixedSigner)
	}
}

func TestEncodeParseSigner(t *testing.T) {
	pub := crypto.DeriveSigningKey(fixedIdentity).Public().(ed25519.PublicKey)
	enc := crypto.EncodeSigner(pub)
	if !strings.HasPrefix(enc, "ed25519:") {
		t.Fatalf("EncodeSigner = %q, want ed25519: prefix", enc)
	}
	got, err := crypto.ParseSigner(enc)
	if err != nil {
		t.Fatalf("ParseSigner(EncodeSigner(k)): %v", err)
	}
	if !bytes.Equal(got, pub) {
		t.Fatalf("round trip changed the key")
	}

	b64 := strings.TrimPrefix(enc, "ed25519:")
	short := base64.StdEncoding.EncodeToString(pub[:31])
	long := base64.StdEncoding.EncodeToString(append(bytes.Clone(pub), 0))
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no prefix", b64},
		{"other prefix", "ssh-ed25519:" + b64},
		{"upper-case prefix", "ED25519:" + b64},
		{"prefix only", "ed25519:"},
		{"bad base64", "ed25519:!!!not base64!!!"},
		{"url base64", "ed25519:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))},
		{"unpadded", "ed25519:" + strings.TrimRight(b64, "=")},
		{"31 bytes", "ed25519:" + short},
		{"33 bytes", "ed25519:" + long},
		{"trailing space", enc + " "},
		{"leading space", " " + enc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := crypto.ParseSigner(tc.in); !errors.Is(err, crypto.ErrBadSigner) {
				t.Errorf("ParseSigner(%q) error = %v, want ErrBadSigner", tc.in, err)
			}
		})
	}
}

func TestSignVerify(t *testing.T) {
	key := crypto.DeriveSigningKey(fixedIdentity)
	pub := key.Public().(ed25519.PublicKey)
	otherPub := crypto.DeriveSigningKey("another identity").Public().(ed25519.PublicKey)
	msg := []byte("tresor: journal/v1\nseq: 1\n")
	sig := crypto.Sign(key, msg)
	if !strings.HasPrefix(sig, "ed25519:") {
		t.Fatalf("Sign = %q, want ed25519: prefix", sig)
	}
	if err := crypto.Verify(pub, msg, sig); err != nil {
		t.Fatalf("Verify of a fresh signature: %v", err)
	}

	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sig, "ed25519:"))
	flipped := bytes.Clone(raw)
	flipped[10] ^= 0x80
	tampered := bytes.Clone(msg)
	tampered[len(tampered)-2] = '2'

	for _, tc := range []struct {
		name string
		pub  ed25519.PublicKey
		msg  []byte
		sig  string
	}{
		{"tampered message", pub, tampered, sig},
		{"truncated message", pub, msg[:len(msg)-1], sig},
		{"tampered signature", pub, msg, "ed25519:" + base64.StdEncoding.EncodeToString(flipped)},
		{"other key", otherPub, msg, sig},
		{"no prefix", pub, msg, strings.TrimPrefix(sig, "ed25519:")},
		{"bad base64", pub, msg, "ed25519:%%%"},
		{"short signature", pub, msg, "ed25519:" + base64.StdEncoding.EncodeToString(raw[:63])},
		{"empty", pub, msg, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := crypto.Verify(tc.pub, tc.msg, tc.sig); !errors.Is(err, crypto.ErrBadSignature) {
				t.Errorf("Verify error = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestSignerOf(t *testing.T) {
	k := testSSHKeys()
	age := mustGenerate(t, true)
	edPub := k.ed25519.Public().(ed25519.PublicKey)

	for _, tc := range []struct {
		name              string
		recipient, signer string
		want              ed25519.PublicKey
		ok, err           bool
	}{
		{name: "age member with signer", recipient: age.Recipient(), signer: age.Signer(), want: age.SignerKey(), ok: true},
		{name: "age member without signer", recipient: age.Recipient()},
		{name: "age member with bad signer", recipient: age.Recipient(), signer: "ed25519:xx", err: true},
		{name: "ssh-ed25519 signs itself", recipient: k.ed25519Pub, want: edPub, ok: true},
		{name: "ssh-ed25519 with comment", recipient: k.ed25519Pub + " alice@laptop", want: edPub, ok: true},
		{name: "ssh-ed25519 malformed", recipient: "ssh-ed25519 AAAAnotakey", err: true},
		{name: "ssh-rsa cannot sign", recipient: k.rsaPub},
		{name: "none", recipient: "", signer: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, ok, err := crypto.SignerOf(tc.recipient, tc.signer)
			if (err != nil) != tc.err {
				t.Fatalf("SignerOf error = %v, want error %v", err, tc.err)
			}
			if ok != tc.ok {
				t.Fatalf("SignerOf ok = %v, want %v", ok, tc.ok)
			}
			if !bytes.Equal(pub, tc.want) {
				t.Errorf("SignerOf key = %x, want %x", pub, tc.want)
			}
		})
	}

	// What an identity signs verifies under SignerOf of its card.
	for _, text := range []string{age.SecretText(), string(k.ed25519PEM)} {
		id := mustParse(t, text)
		rec, signer := crypto.ParseCard(id.Card())
		pub, ok, err := crypto.SignerOf(rec, signer)
		if err != nil || !ok {
			t.Fatalf("%s: SignerOf(card) = %v, %v", id.Kind(), ok, err)
		}
		sig, err := id.Sign([]byte("entry"))
		if err != nil {
			t.Fatalf("%s: Sign: %v", id.Kind(), err)
		}
		if err := crypto.Verify(pub, []byte("entry"), sig); err != nil {
			t.Errorf("%s: signature does not verify under the card's signer: %v", id.Kind(), err)
		}
	}
}
