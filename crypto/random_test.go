package crypto

import (
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

func TestRandomValue(t *testing.T) {
	for spec, charset := range map[string]string{"32:alnum": "alnum", "64:hex": "hex", "7:digits": "digits", "100:ascii": "ascii"} {
		g, err := format.ParseGenerator(spec)
		if err != nil {
			t.Fatal(err)
		}
		a, b := RandomValue(g), RandomValue(g)
		if len(a) != g.Length || string(a) == string(b) {
			t.Fatalf("%s: %q then %q", spec, a, b)
		}
		for _, c := range a {
			if !strings.ContainsRune(format.Charsets[charset], rune(c)) {
				t.Fatalf("%s: %q is outside the charset", spec, c)
			}
		}
	}
}

func TestKindOfRecipient(t *testing.T) {
	x, _ := Generate(true)
	pq, _ := Generate(false)
	for r, want := range map[string]Kind{
		x.Recipient():  KindX25519,
		pq.Recipient(): KindHybrid,
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk": KindSSHEd25519,
		"ssh-rsa AAAAB3NzaC1yc2E":                 KindSSHRSA,
		"age1yubikey1qwerty":                      KindPlugin,
	} {
		if got := KindOfRecipient(r); got != want {
			t.Errorf("KindOfRecipient(%.20q) = %s, want %s", r, got, want)
		}
	}
}
