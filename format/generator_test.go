package format_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/format"
)

func TestParseGenerator(t *testing.T) {
	tests := []struct {
		spec string
		want format.Generator
	}{
		{"", format.Generator{Kind: "password", Length: 32, Charset: "alnum"}},
		{"64", format.Generator{Kind: "password", Length: 64, Charset: "alnum"}},
		{"hex", format.Generator{Kind: "password", Length: 32, Charset: "hex"}},
		{"64:hex", format.Generator{Kind: "password", Length: 64, Charset: "hex"}},
		{"1:digits", format.Generator{Kind: "password", Length: 1, Charset: "digits"}},
		{"4096:ascii", format.Generator{Kind: "password", Length: 4096, Charset: "ascii"}},
		{"20:base64url", format.Generator{Kind: "password", Length: 20, Charset: "base64url"}},
		{"alpha", format.Generator{Kind: "password", Length: 32, Charset: "alpha"}},
	}
	for _, tt := range tests {
		got, err := format.ParseGenerator(tt.spec)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseGenerator(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
	}
}

func TestParseGeneratorRejects(t *testing.T) {
	for _, spec := range []string{
		"0", "0:hex", "064", "4097", "4097:hex", "99999", "10000:hex",
		"-1", "-1:hex", ":", ":hex", "64:", "hex:0", "64:HEX", "64:nope", "nope",
		"64:hex:x", " 64", "64 ", "64 :hex", "6a:hex", "64:hex ", "1e3",
	} {
		if g, err := format.ParseGenerator(spec); err == nil {
			t.Errorf("ParseGenerator(%q) = %+v, want an error", spec, g)
		} else if !errors.Is(err, format.ErrBadGenerator) {
			t.Errorf("ParseGenerator(%q) error %v is not ErrBadGenerator", spec, err)
		}
	}
}

func TestGeneratorStringRoundTrip(t *testing.T) {
	for charset := range format.Charsets {
		for _, n := range []int{1, 9, 32, 100, 4096} {
			g := format.Generator{Kind: "password", Length: n, Charset: charset}
			s := g.String()
			back, err := format.ParseGenerator(s)
			if err != nil || !back.Equal(g) {
				t.Errorf("ParseGenerator(%q) = %+v, %v; want %+v", s, back, err, g)
			}
			if again := back.String(); again != s {
				t.Errorf("String after round trip = %q, want %q", again, s)
			}
		}
	}
}

func TestGeneratorStringIsCanonical(t *testing.T) {
	g, err := format.ParseGenerator("hex")
	if err != nil {
		t.Fatal(err)
	}
	if g.String() != "32:hex" {
		t.Errorf("String() = %q, want 32:hex", g.String())
	}
}

func TestCharsetsAreUsable(t *testing.T) {
	for name, set := range format.Charsets {
		if set == "" {
			t.Errorf("charset %s is empty", name)
		}
		seen := map[rune]bool{}
		for _, r := range set {
			if r < 0x21 || r > 0x7e {
				t.Errorf("charset %s has non-printable or non-ASCII %q", name, r)
			}
			if seen[r] {
				t.Errorf("charset %s repeats %q, which would bias generated values", name, r)
			}
			seen[r] = true
		}
		if !strings.Contains(format.ErrBadGenerator.Error(), name) {
			t.Errorf("ErrBadGenerator does not list charset %s", name)
		}
	}
}

// TestParseGeneratorRejectsSignedLength: a length is digits only, like a
// duration's count. strconv.Atoi accepts a leading '+', and ParseGenerator
// only rules out a leading '0', so "+64:hex" parses as 64:hex while "+64"
// alone is refused. vault.yaml's generate field is checked with
// ParseGenerator, so "generate: +64:hex" is accepted there too.
func TestParseGeneratorRejectsSignedLength(t *testing.T) {
	for _, spec := range []string{"+64:hex", "+1:alnum", "+999:digits"} {
		if g, err := format.ParseGenerator(spec); err == nil {
			t.Errorf("ParseGenerator(%q) = %+v, want an error", spec, g)
		}
	}
}

func TestParseGeneratorKinds(t *testing.T) {
	tests := []struct {
		spec string
		want format.Generator
	}{
		{"password", format.Generator{Kind: "password", Length: 32, Charset: "alnum"}},
		{"password:24:ascii:upper,lower,digit,symbol", format.Generator{Kind: "password", Length: 24, Charset: "ascii", Require: []string{"digit", "lower", "symbol", "upper"}}},
		{"password:12:digit,upper", format.Generator{Kind: "password", Length: 12, Charset: "alnum", Require: []string{"digit", "upper"}}},
		{"token", format.Generator{Kind: "token", Length: 40}},
		{"token:48", format.Generator{Kind: "token", Length: 48}},
		{"hex:64", format.Generator{Kind: "hex", Length: 64}},
		{"base64url:43", format.Generator{Kind: "base64url", Length: 43}},
		{"uuid", format.Generator{Kind: "uuid", Length: 36}},
	}
	for _, tt := range tests {
		got, err := format.ParseGenerator(tt.spec)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseGenerator(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
		back, err := format.ParseGenerator(got.String())
		if err != nil || !back.Equal(got) {
			t.Errorf("ParseGenerator(String(%q)) = %+v, %v", tt.spec, back, err)
		}
	}
}

// TestGeneratorUnmeetable: a spec no value can satisfy is refused when it
// is parsed, not when a value is drawn.
func TestGeneratorUnmeetable(t *testing.T) {
	for _, spec := range []string{
		"password:3:ascii:upper,lower,digit,symbol", // 3 characters, 4 classes
		"password:8:alnum:symbol",                   // alnum has no symbols
		"password:8:digits:upper",
		"password:8:hex:upper",
		"uuid:36", "token:ascii", "hex:8:upper", "password:8:nope",
		"password:8:alnum:alnum", "password:8:8",
	} {
		if g, err := format.ParseGenerator(spec); err == nil {
			t.Errorf("ParseGenerator(%q) = %+v, want an error", spec, g)
		}
	}
}
