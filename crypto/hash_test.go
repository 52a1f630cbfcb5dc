package crypto_test

import (
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

func TestHashes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// FIPS 180-2 test vectors.
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	} {
		if got := crypto.HashHex([]byte(tc.in)); got != tc.want {
			t.Errorf("HashHex(%q) = %s, want %s", tc.in, got, tc.want)
		}
		if got := crypto.FileHash([]byte(tc.in)); got != "sha256:"+tc.want {
			t.Errorf("FileHash(%q) = %s, want sha256:%s", tc.in, got, tc.want)
		}
	}
}
