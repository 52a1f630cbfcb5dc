package crypto

import (
	"bytes"
	"errors"
	"testing"

	"filippo.io/age"
)

// The hand count of stanza lines agrees with age's own header parser on
// every header it accepts, and accepts none that age refuses.
func FuzzCountStanzaLines(f *testing.F) {
	for _, seed := range []string{
		"age-encryption.org/v1\n-> X25519 abc\nAAAA\n--- " + "A0123456789012345678901234567890123456789Q\n",
		"age-encryption.org/v1\n-> X25519 abc\n" + string(bytes.Repeat([]byte("A"), 64)) + "\n\n-> tresor-readkey x\nAA\n--- aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		"age-encryption.org/v1\n-> a\n\n--- -4\xd3M4_M4_M4_M4_M4_M4_M4_Mt_M4_\xce\xf4_M4\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, hdr []byte) {
		n, ok := countStanzaLines(hdr)
		if !ok {
			return
		}
		parsed, err := age.ExtractHeader(bytes.NewReader(append(bytes.Clone(hdr), "payload"...)))
		if err != nil {
			t.Fatalf("counted %d stanzas in a header age refuses: %v\n%q", n, err, hdr)
		}
		_, err = age.DecryptHeader(parsed, opensNothing{})
		var seen *age.NoIdentityMatchError
		if !errors.As(err, &seen) {
			t.Fatalf("age: %v", err)
		}
		m := 0
		for _, typ := range seen.StanzaTypes {
			if typ != readKeyStanza {
				m++
			}
		}
		if m != n {
			t.Fatalf("counted %d stanzas, age sees %d\n%q", n, m, hdr)
		}
	})
}
