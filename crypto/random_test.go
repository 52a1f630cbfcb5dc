package crypto

import (
	"regexp"
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

func TestRandomValueKinds(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tt := range []struct {
		spec string
		re   *regexp.Regexp
	}{
		{"uuid", uuid},
		{"token", regexp.MustCompile(`^[A-Za-z0-9]{40}$`)},
		{"hex:64", regexp.MustCompile(`^[0-9a-f]{64}$`)},
		{"base64url:43", regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)},
		{"password:4:ascii:upper,lower,digit,symbol", regexp.MustCompile(`^(?:[A-Z].*|.*[A-Z].*)$`)},
	} {
		g, err := format.ParseGenerator(tt.spec)
		if err != nil {
			t.Fatalf("ParseGenerator(%q): %v", tt.spec, err)
		}
		for i := 0; i < 50; i++ {
			v := RandomValue(g)
			if !tt.re.Match(v) {
				t.Fatalf("RandomValue(%s) = %q", tt.spec, v)
			}
		}
	}
}

// TestRandomValueRequiredClasses: every value of a spec with required
// classes holds one character of each, even when the length leaves no room.
func TestRandomValueRequiredClasses(t *testing.T) {
	g, err := format.ParseGenerator("password:4:ascii:upper,lower,digit,symbol")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		v := RandomValue(g)
		seen := map[string]bool{}
		for _, c := range v {
			seen[format.ClassOf(c)] = true
		}
		if len(v) != 4 || len(seen) != 4 {
			t.Fatalf("RandomValue = %q, classes %v", v, seen)
		}
	}
}
