package crypto

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"strings"

	"filippo.io/edwards25519"
)

// Journal signatures are checked with the cofactored ed25519 equation,
// [8][s]B = [8]R + [8][k]A, as ZIP-215 specifies it: single signatures and
// batches then give the same verdict on every input, which the
// cofactorless check of crypto/ed25519 cannot promise for a batch. For
// signatures made by ed25519.Sign the two agree; they differ only on
// signatures built on purpose with small-order components, which takes the
// signing key. docs/decisions.md has the reasoning.

// A SignatureCheck is one signature to check: Message signed by Key, with
// Signature in Sign's form ("ed25519:<base64>").
type SignatureCheck struct {
	Key       ed25519.PublicKey
	Message   []byte
	Signature string
}

// Verify checks a signature made by Sign.
func Verify(pub ed25519.PublicKey, msg []byte, sig string) error {
	s, ok := parseSignatureCheck(SignatureCheck{pub, msg, sig})
	if !ok || !s.holds() {
		return ErrBadSignature
	}
	return nil
}

// VerifyBatch checks signatures together and reports, for each, whether it
// verifies. One random linear combination of all the equations is checked
// at once, with one point per signature and one per distinct key (journals
// have few signers): several times faster than checking each alone. When
// the combination fails, each signature is checked alone to tell which.
func VerifyBatch(checks []SignatureCheck) []bool {
	ok := make([]bool, len(checks))
	parsed := make([]parsedSignature, len(checks))
	all := true
	for i, c := range checks {
		parsed[i], ok[i] = parseSignatureCheck(c)
		all = all && ok[i]
	}
	if all && batchHolds(parsed) {
		return ok
	}
	for i := range parsed {
		ok[i] = ok[i] && parsed[i].holds()
	}
	return ok
}

// parsedSignature is a signature check decoded into curve points and
// scalars: R and A, s (canonical, below the group order) and
// k = SHA-512(R || A || message).
type parsedSignature struct {
	key  [32]byte
	r, a *edwards25519.Point
	s, k *edwards25519.Scalar
}

func parseSignatureCheck(c SignatureCheck) (parsedSignature, bool) {
	var p parsedSignature
	b64, ok := strings.CutPrefix(c.Signature, "ed25519:")
	if !ok || len(c.Key) != ed25519.PublicKeySize || len(b64) != base64.StdEncoding.EncodedLen(ed25519.SignatureSize) {
		return p, false
	}
	var sig [ed25519.SignatureSize + 2]byte // base64 decodes in groups of 3
	n, err := base64.StdEncoding.Strict().Decode(sig[:], []byte(b64))
	if err != nil || n != ed25519.SignatureSize {
		return p, false
	}
	copy(p.key[:], c.Key)
	if p.a, err = new(edwards25519.Point).SetBytes(c.Key); err != nil {
		return p, false
	}
	if p.r, err = new(edwards25519.Point).SetBytes(sig[:32]); err != nil {
		return p, false
	}
	if p.s, err = edwards25519.NewScalar().SetCanonicalBytes(sig[32:64]); err != nil {
		return p, false
	}
	h := sha512.New()
	h.Write(sig[:32])
	h.Write(c.Key)
	h.Write(c.Message)
	var digest [sha512.Size]byte
	if p.k, err = edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0])); err != nil {
		return p, false
	}
	return p, true
}

// holds checks one signature: [8]([s]B - [k]A - R) is the identity.
func (p parsedSignature) holds() bool {
	minusA := new(edwards25519.Point).Negate(p.a)
	check := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(p.k, minusA, p.s)
	check.Subtract(check, p.r)
	check.MultByCofactor(check)
	return check.Equal(edwards25519.NewIdentityPoint()) == 1
}

// batchHolds checks that, for random 128-bit z_i,
//
//	[8]( [-Σ z_i s_i]B + Σ [z_i]R_i + Σ_A [Σ_{i signed by A} z_i k_i]A ) = 0.
//
// A batch with a bad signature passes with probability at most 2^-128.
func batchHolds(ps []parsedSignature) bool {
	if len(ps) == 0 {
		return true
	}
	random := make([]byte, 16*len(ps))
	if _, err := rand.Read(random); err != nil {
		return false
	}
	scalars := make([]*edwards25519.Scalar, 0, 1+2*len(ps))
	points := make([]*edwards25519.Point, 0, 1+2*len(ps))
	bCoeff := edwards25519.NewScalar()
	scalars = append(scalars, bCoeff)
	points = append(points, edwards25519.NewGeneratorPoint())
	keyCoeff := map[[32]byte]*edwards25519.Scalar{}
	var keys []*parsedSignature
	for i := range ps {
		p := &ps[i]
		var zb [32]byte
		copy(zb[:16], random[16*i:])
		z, err := edwards25519.NewScalar().SetCanonicalBytes(zb[:])
		if err != nil {
			return false
		}
		bCoeff.MultiplyAdd(z, p.s, bCoeff)
		scalars = append(scalars, z)
		points = append(points, p.r)
		c, ok := keyCoeff[p.key]
		if !ok {
			c = edwards25519.NewScalar()
			keyCoeff[p.key] = c
			keys = append(keys, p)
		}
		c.MultiplyAdd(z, p.k, c)
	}
	bCoeff.Negate(bCoeff)
	for _, p := range keys {
		scalars = append(scalars, keyCoeff[p.key])
		points = append(points, p.a)
	}
	check := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	check.MultByCofactor(check)
	return check.Equal(edwards25519.NewIdentityPoint()) == 1
}
