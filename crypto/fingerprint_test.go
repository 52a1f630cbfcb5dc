package crypto_test

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

func TestFingerprintKeyed(t *testing.T) {
	a, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	v := []byte("hunter2-password")
	fa, ok := a.Fingerprint(v)
	if !ok || !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(fa) {
		t.Fatalf("fingerprint %q, %v", fa, ok)
	}
	if again, _ := a.Fingerprint(v); again != fa {
		t.Errorf("not stable: %s then %s", fa, again)
	}
	if other, _ := a.Fingerprint([]byte("hunter3-password")); other == fa {
		t.Errorf("two values share fingerprint %s", fa)
	}
	if fb, _ := b.Fingerprint(v); fb == fa {
		t.Errorf("two identities share fingerprint %s: it is not keyed", fa)
	}
	sum := sha256.Sum256(v)
	if hex.EncodeToString(sum[:])[:12] == fa {
		t.Errorf("fingerprint is the unsalted SHA-256 of the value")
	}
}
