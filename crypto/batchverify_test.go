package crypto_test

import (
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"filippo.io/edwards25519"

	"github.com/tresor-dev/tresor/crypto"
)

// checksBy signs n messages with each of keys.
func checksBy(t testing.TB, keys []ed25519.PrivateKey, n int) []crypto.SignatureCheck {
	t.Helper()
	var cs []crypto.SignatureCheck
	for i := 0; i < n; i++ {
		for j, k := range keys {
			msg := []byte(fmt.Sprintf("entry %d by key %d", i, j))
			cs = append(cs, crypto.SignatureCheck{Key: k.Public().(ed25519.PublicKey), Message: msg, Signature: crypto.Sign(k, msg)})
		}
	}
	return cs
}

func newKeys(t testing.TB, n int) []ed25519.PrivateKey {
	t.Helper()
	var keys []ed25519.PrivateKey
	for i := 0; i < n; i++ {
		_, k, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

func TestVerifyBatchAcceptsGoodSignatures(t *testing.T) {
	for _, n := range []int{0, 1, 2, 64} {
		cs := checksBy(t, newKeys(t, 3), n)
		for i, ok := range crypto.VerifyBatch(cs) {
			if !ok {
				t.Fatalf("batch of %d: signature %d refused", len(cs), i)
			}
			if err := crypto.Verify(cs[i].Key, cs[i].Message, cs[i].Signature); err != nil {
				t.Fatalf("signature %d refused alone: %v", i, err)
			}
		}
	}
}

// Each way of spoiling one signature in a batch: that one fails, alone and
// in the batch, and the others still pass.
func TestVerifyBatchNamesTheBadSignature(t *testing.T) {
	keys := newKeys(t, 2)
	other := newKeys(t, 1)[0]
	spoil := map[string]func(c *crypto.SignatureCheck){
		"message edited": func(c *crypto.SignatureCheck) { c.Message = append([]byte("x"), c.Message...) },
		"another key":    func(c *crypto.SignatureCheck) { c.Key = other.Public().(ed25519.PublicKey) },
		"signature of another message": func(c *crypto.SignatureCheck) {
			c.Signature = crypto.Sign(keys[0], []byte("something else"))
		},
		"s not reduced": func(c *crypto.SignatureCheck) {
			// s + L verifies the same equation; crypto/ed25519 and ZIP-215 refuse it.
			sig := rawSignature(t, c.Signature)
			s, err := edwards25519.NewScalar().SetCanonicalBytes(sig[32:])
			if err != nil {
				t.Fatal(err)
			}
			copy(sig[32:], addOrder(s.Bytes()))
			c.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(sig)
		},
		"not base64": func(c *crypto.SignatureCheck) { c.Signature = "ed25519:!!" },
		"no prefix":  func(c *crypto.SignatureCheck) { c.Signature = c.Signature[len("ed25519:"):] },
		"short signature": func(c *crypto.SignatureCheck) {
			c.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(make([]byte, 63))
		},
		"short key": func(c *crypto.SignatureCheck) { c.Key = c.Key[:31] },
		"R not on the curve": func(c *crypto.SignatureCheck) {
			sig := rawSignature(t, c.Signature)
			copy(sig[:32], notOnCurve(t))
			c.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(sig)
		},
	}
	for name, f := range spoil {
		cs := checksBy(t, keys, 20)
		bad := 17
		f(&cs[bad])
		if crypto.Verify(cs[bad].Key, cs[bad].Message, cs[bad].Signature) == nil {
			t.Errorf("%s: accepted alone", name)
		}
		for i, ok := range crypto.VerifyBatch(cs) {
			if ok != (i != bad) {
				t.Errorf("%s: signature %d: got %v", name, i, ok)
			}
		}
	}
}

// A signature whose R carries a small-order component verifies under the
// cofactored equation (ZIP-215), alone and in a batch alike, though
// crypto/ed25519 refuses it. Only the holder of the signing key can make
// one. The point is that the verdict does not depend on the batch.
func TestVerifyIsCofactored(t *testing.T) {
	a, err := edwards25519.NewScalar().SetUniformBytes(make64(1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := edwards25519.NewScalar().SetUniformBytes(make64(2))
	if err != nil {
		t.Fatal(err)
	}
	pub := new(edwards25519.Point).ScalarBaseMult(a).Bytes()
	order8, err := hex.DecodeString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
	if err != nil {
		t.Fatal(err)
	}
	torsion, err := new(edwards25519.Point).SetBytes(order8)
	if err != nil {
		t.Fatal(err)
	}
	R := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(r), torsion).Bytes()
	msg := []byte("crafted")
	h := sha512.Sum512(append(append(append([]byte{}, R...), pub...), msg...))
	k, err := edwards25519.NewScalar().SetUniformBytes(h[:])
	if err != nil {
		t.Fatal(err)
	}
	s := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	sig := append(append([]byte{}, R...), s.Bytes()...)
	if ed25519.Verify(pub, msg, sig) {
		t.Fatal("crypto/ed25519 accepts it: the test does not build what it means to")
	}
	c := crypto.SignatureCheck{Key: pub, Message: msg, Signature: "ed25519:" + base64.StdEncoding.EncodeToString(sig)}
	if err := crypto.Verify(c.Key, c.Message, c.Signature); err != nil {
		t.Fatalf("refused alone: %v", err)
	}
	cs := append(checksBy(t, newKeys(t, 1), 5), c)
	for i, ok := range crypto.VerifyBatch(cs) {
		if !ok {
			t.Fatalf("signature %d refused in the batch", i)
		}
	}
}

// FuzzVerifyBatch: any signature text is judged the same in a batch as
// alone, and nothing panics.
func FuzzVerifyBatch(f *testing.F) {
	k := newKeys(f, 1)[0]
	good := crypto.Sign(k, []byte("m"))
	f.Add(good, []byte("m"))
	f.Add(good, []byte("n"))
	f.Add("ed25519:", []byte{})
	f.Add("ed25519:"+base64.StdEncoding.EncodeToString(make([]byte, 64)), []byte("m"))
	pub := k.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, sig string, msg []byte) {
		alone := crypto.Verify(pub, msg, sig) == nil
		cs := append(checksBy(t, []ed25519.PrivateKey{k}, 3), crypto.SignatureCheck{Key: pub, Message: msg, Signature: sig})
		got := crypto.VerifyBatch(cs)
		if got[3] != alone || !got[0] || !got[1] || !got[2] {
			t.Fatalf("batch %v, alone %v", got, alone)
		}
	})
}

func rawSignature(t *testing.T, sig string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(sig[len("ed25519:"):])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addOrder returns the little-endian s + L, the group order.
func addOrder(s []byte) []byte {
	order, _ := hex.DecodeString("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
	out := make([]byte, 32)
	carry := 0
	for i := range out {
		v := int(s[i]) + int(order[i]) + carry
		out[i], carry = byte(v), v>>8
	}
	return out
}

// notOnCurve returns an encoding that decodes to no point.
func notOnCurve(t *testing.T) []byte {
	for i := 0; i < 256; i++ {
		b := make([]byte, 32)
		b[0] = byte(i)
		b[1] = 1
		if _, err := new(edwards25519.Point).SetBytes(b); err != nil {
			return b
		}
	}
	t.Fatal("no invalid encoding found")
	return nil
}

func make64(seed byte) []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// One signer per 50 entries, as a busy journal has.
func benchmarkVerify(b *testing.B, batch bool) {
	cs := checksBy(b, newKeys(b, 4), 50)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if batch {
			crypto.VerifyBatch(cs)
			continue
		}
		for _, c := range cs {
			if err := crypto.Verify(c.Key, c.Message, c.Signature); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(cs)), "µs/signature")
}

func BenchmarkVerifyEach(b *testing.B)  { benchmarkVerify(b, false) }
func BenchmarkVerifyBatch(b *testing.B) { benchmarkVerify(b, true) }
