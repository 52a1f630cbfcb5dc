package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

func findAll(m *Matcher, input []byte) []Occurrence {
	var got []Occurrence
	m.Find(input, func(o Occurrence) bool {
		got = append(got, o)
		return true
	})
	return got
}

func TestFindForms(t *testing.T) {
	secret := []byte("correct horse/battery?staple+1") // '/', '?', '+' and ' ' make every form differ
	other := []byte("an0ther-s3cret-value")
	m := CompileScan([][]byte{other, secret})
	// A longer base64 stream with the secret at each offset mod 3.
	inner := func(k int) string {
		b := append(append([]byte(strings.Repeat("x", 6+k)), secret...), "trailing bytes"...)
		return base64.StdEncoding.EncodeToString(b)
	}
	tests := []struct {
		name, input string
		form        Form
	}{
		{"value", "password = " + string(secret) + "\n", FormValue},
		{"base64 std", "k: " + base64.StdEncoding.EncodeToString(secret), FormBase64},
		{"base64 raw std", base64.RawStdEncoding.EncodeToString(secret) + "!", FormBase64},
		{"base64 url", base64.URLEncoding.EncodeToString(secret), FormBase64},
		{"base64 raw url", "\"" + base64.RawURLEncoding.EncodeToString(secret) + "\"", FormBase64},
		// At offset 0 the part is the whole unpadded encoding (the
		// secret's length is a multiple of 3).
		{"base64 inside, offset 0", inner(0), FormBase64},
		{"base64 inside, offset 1", inner(1), FormBase64Part},
		{"base64 inside, offset 2", inner(2), FormBase64Part},
		{"hex", "0x" + hex.EncodeToString(secret), FormHex},
		{"HEX", strings.ToUpper(hex.EncodeToString(secret)), FormHex},
		{"query escaped", "https://x.test/?p=" + url.QueryEscape(string(secret)), FormURL},
		{"path escaped", "https://x.test/" + url.PathEscape(string(secret)), FormURL},
		{"strictly escaped", "p=correct%20horse%2Fbattery%3Fstaple%2B1", FormURL},
		{"strictly escaped, space as +", "p=correct+horse%2Fbattery%3Fstaple%2B1", FormURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findAll(m, []byte(tt.input))
			if len(got) == 0 {
				t.Fatalf("not found in %q", tt.input)
			}
			for _, o := range got {
				if o.Secret != 1 {
					t.Errorf("found secret %d, want 1", o.Secret)
				}
				if tt.input[o.Start:o.End] == "" {
					t.Errorf("empty occurrence")
				}
			}
			if !formsInclude(got, tt.form) {
				t.Errorf("forms %v, want %s", got, tt.form)
			}
		})
	}
}

func formsInclude(os []Occurrence, f Form) bool {
	for _, o := range os {
		if o.Form == f {
			return true
		}
	}
	return false
}

// Nothing that is not one of the forms is found: a value split across lines,
// a look-alike that differs in one byte, a prefix, a base64 stream wrapped
// inside the value's encoding, and values too short to look for.
func TestFindNoFalsePositives(t *testing.T) {
	secret := []byte("hunter2-but-longer")
	m := CompileScan([][]byte{secret, []byte("short")})
	if m.Skipped() != 1 {
		t.Errorf("Skipped = %d, want 1", m.Skipped())
	}
	b64 := base64.StdEncoding.EncodeToString(secret)
	for _, input := range []string{
		"hunter2-but-\nlonger",
		"hunter2-but-longe",
		"hunter2-but-longer"[1:],
		"hunter3-but-longer",
		"HUNTER2-BUT-LONGER",
		b64[:10] + "\n" + b64[10:],
		hex.EncodeToString(secret)[:20] + "\n" + hex.EncodeToString(secret)[20:],
		"short shortshort",
		"",
	} {
		if got := findAll(m, []byte(input)); len(got) > 0 {
			t.Errorf("found %v in %q", got, input)
		}
	}
}

// Find's occurrences are exactly where the patterns occur, checked against
// a naive search over random inputs.
func TestFindMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		secrets := randomSecrets(r, 1+r.IntN(5))
		for i := range secrets {
			secrets[i] = append(secrets[i], "12345678"[:r.IntN(9)]...)
		}
		m := CompileScan(secrets)
		var patterns []string
		for _, s := range secrets {
			if len(s) >= MinScanLength {
				patterns = append(patterns, string(s), base64.StdEncoding.EncodeToString(s), hex.EncodeToString(s))
			}
		}
		var input []byte
		for range 5 {
			input = append(input, ordinaryText(r, r.IntN(40))...)
			if len(patterns) > 0 {
				input = append(input, patterns[r.IntN(len(patterns))]...)
			}
		}
		ends := map[int]bool{}
		for _, o := range findAll(m, input) {
			ends[o.End] = true
			if o.Start < 0 || o.Start >= o.End {
				t.Fatalf("bad occurrence %v", o)
			}
		}
		for _, p := range patterns {
			for off := 0; ; {
				i := bytes.Index(input[off:], []byte(p))
				if i < 0 {
					break
				}
				if !ends[off+i+len(p)] {
					t.Fatalf("%q at %d not found in %q", p, off+i, input)
				}
				off += i + 1
			}
		}
	}
}

func TestFindStops(t *testing.T) {
	m := CompileScan(bs("aaaaaaaaaa"))
	n := 0
	m.Find([]byte(strings.Repeat("aaaaaaaaaa ", 5)), func(Occurrence) bool { n++; return false })
	if n != 1 {
		t.Errorf("yield called %d times after returning false", n)
	}
}

// A Matcher from Compile finds what it masks.
func TestFindWithMaskMatcher(t *testing.T) {
	m := Compile(bs("abcd", "s3cret!"))
	got := findAll(m, []byte("x "+base64.StdEncoding.EncodeToString([]byte("s3cret!"))+" abcd"))
	// The unpadded and the padded encoding both occur.
	want := []Occurrence{{1, FormBase64, 2, 12}, {1, FormBase64, 2, 14}, {0, FormValue, 15, 19}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func BenchmarkFind(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	m := CompileScan(randomSecrets(r, 1000))
	input := ordinaryText(r, 1<<20)
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		m.Find(input, func(Occurrence) bool { return true })
	}
}
