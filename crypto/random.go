package crypto

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/tresor-dev/tresor/format"
)

// RandomValue draws a secret value from crypto/rand: a random (version 4)
// UUID, or g.Length characters each drawn uniformly from the generator's
// alphabet. A password that requires character classes is drawn again
// until it holds one of each, so that every value meeting the spec is
// equally likely. The generator must pass g.Check.
func RandomValue(g format.Generator) []byte {
	if g.Kind == format.KindUUID {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[6] = b[6]&0x0f | 0x40 // version 4
		b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
		return fmt.Appendf(nil, "%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	chars := g.Alphabet()
	for {
		out := draw(chars, g.Length)
		if hasClasses(out, g.Require) {
			return out
		}
	}
}

func draw(chars string, n int) []byte {
	out := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		out[i] = chars[k.Int64()]
	}
	return out
}

func hasClasses(b []byte, classes []string) bool {
	for _, c := range classes {
		found := false
		for _, x := range b {
			if format.ClassOf(x) == c {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
