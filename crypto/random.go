package crypto

import (
	"crypto/rand"
	"math/big"

	"github.com/tresor-dev/tresor/format"
)

// RandomValue draws a secret value from crypto/rand, each character
// uniformly from the generator's charset.
func RandomValue(g format.Generator) []byte {
	chars := format.Charsets[g.Charset]
	out := make([]byte, g.Length)
	max := big.NewInt(int64(len(chars)))
	for i := range out {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		out[i] = chars[n.Int64()]
	}
	return out
}
