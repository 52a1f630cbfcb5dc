package format_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tresor-dev/tresor/format"
)

// herokuQuote is Heroku's quote (heroku/cli, src/lib/config/quote.ts), which
// heroku config --shell prints each value with. JavaScript's \s is
// Unicode whitespace and \v, which Go's \s is not, so they are listed
// (regression-vertical-tab: the port left "\v" unquoted).
func herokuQuote(s string) string {
	if herokuNeedsQuotes.MatchString(s) {
		if strings.ContainsAny(s, "'\n") {
			return `"` + strings.ReplaceAll(herokuDoubleEscapes.ReplaceAllString(s, `\$1`), "\n", `\n`) + `"`
		}
		return "'" + herokuSingleEscapes.ReplaceAllString(s, `\$1`) + "'"
	}
	return s
}

var (
	herokuNeedsQuotes   = regexp.MustCompile("[\"\\s\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff#!$&'()*,:;<=>?@\\[\\\\\\]^`{|}]")
	herokuDoubleEscapes = regexp.MustCompile("([\"\\\\$`!])")
	herokuSingleEscapes = regexp.MustCompile(`(['\\])`)
)

func TestHerokuQuoteIsHerokus(t *testing.T) {
	// Outputs of heroku config --shell as Heroku's own tests have them.
	for v, want := range map[string]string{
		"abc":                 "abc",
		"":                    "",
		"a b":                 "'a b'",
		`C:\dir`:              `'C:\\dir'`,
		"it's":                `"it's"`,
		"l1\nl2":              `"l1\nl2"`,
		"it's $5 `x` !\\ \"q": "\"it's \\$5 \\`x\\` \\!\\\\ \\\"q\"",
	} {
		if got := herokuQuote(v); got != want {
			t.Errorf("herokuQuote(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestParseHerokuShell(t *testing.T) {
	in := "PLAIN=abc123\nURL='postgres://u:p@h:5432/db'\r\nWIN='C:\\\\dir\\\\'\n\nBANG=\"it's \\\\ \\! \\$HOME \\`id\\` \\\"q\\\"\"\nEMPTY=\nPEM=\"-----BEGIN-----\\nabc\\n-----END-----\"\nCR='a\rb'\n"
	want := []format.DotenvPair{
		pair("PLAIN", "abc123"), pair("URL", "postgres://u:p@h:5432/db"), pair("WIN", `C:\dir\`),
		pair("BANG", "it's \\ ! $HOME `id` \"q\""), pair("EMPTY", ""), pair("PEM", "-----BEGIN-----\nabc\n-----END-----"), pair("CR", "a\rb"),
	}
	got, err := format.ParseHerokuShell([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseHerokuShell = %q\nwant %q", got, want)
	}
}

func TestParseHerokuShellRejects(t *testing.T) {
	// Each hides "hunter2": errors give the line, never the value.
	tests := []struct{ name, in, want string }{
		{"no =", "A=1\nhunter2\n", "line 2: expected KEY=value"},
		{"bad key", "A-B=hunter2\n", "line 1: the variable name is not"},
		{"export", "export A=hunter2\n", "line 1: the variable name is not"},
		{"duplicate", "A=1\nA=hunter2\n", "line 2: A is already set on line 1"},
		{"unquoted special", "A=hunter2$X\n", "line 1: an unquoted value with a space or one of"},
		{"unquoted space", "A=hunter2 x\n", "line 1: an unquoted value with a space"},
		{"unknown escape in double quotes", "A=\"hunter2\\d\"\n", "line 1: a backslash before a character heroku config --shell does not escape"},
		{"lone backslash in single quotes", "A='hunter2\\d'\n", "line 1: a backslash before a character"},
		{"\\n in single quotes", "A='hunter2\\n'\n", "line 1: a backslash before a character"},
		{"backslash at the end", "A=\"hunter2\\", "line 1: a backslash at the end of the line"},
		{"not closed", "A='hunter2\nB=1'\n", "line 1: the quoted value is not closed on its line"},
		{"text after the quote", "A='hunter2' # c\n", "line 1: unexpected text after the closing quote"},
		{"invalid utf-8", "A=1\nB='hunter2\xff'\n", "line 2: not valid UTF-8"},
		{"nul", "A=1\nB='hunter2\x00'\n", "line 2: contains a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := format.ParseHerokuShell([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseHerokuShell = %q, want an error", got)
			}
			var de *format.DotenvError
			if got != nil || !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("ParseHerokuShell error = %v (pairs %q), want %q without the value", err, got, tt.want)
			}
		})
	}
}

// herokuPieces make up values for the round trip: what Heroku's quote and
// sh, dotenv readers and tresor's dotenv reader treat specially.
var herokuPieces = []string{"a", "Z", "0", " ", "\t", "\n", "\r", "'", `"`, `\`, `\\`, "$", "`", "!", "#", "=", ":",
	"@", "${X}", `\n`, `\!`, "é", "🔑", "\u00a0", "\u2028", "\ufeff", "\x1b", "-", "/", "%"}

// TestHerokuShellRoundTrip: for random values, what heroku config --shell
// prints reads back as the value Heroku has.
func TestHerokuShellRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 3000; i++ {
		var file bytes.Buffer
		var want []format.DotenvPair
		for j := r.IntN(4); j >= 0; j-- {
			var v strings.Builder
			for n := r.IntN(10); n > 0; n-- {
				v.WriteString(herokuPieces[r.IntN(len(herokuPieces))])
			}
			key := "V" + string(rune('A'+j))
			file.WriteString(key + "=" + herokuQuote(v.String()) + "\n")
			want = append(want, pair(key, v.String()))
		}
		got, err := format.ParseHerokuShell(file.Bytes())
		if err != nil {
			t.Fatalf("ParseHerokuShell(%q): %v", file.Bytes(), err)
		}
		if !samePairs(got, want) {
			t.Fatalf("ParseHerokuShell(%q) = %q, want %q", file.Bytes(), got, want)
		}
	}
}

// FuzzHerokuShellRoundTrip: any value without NUL, quoted as Heroku
// quotes it, reads back exactly.
func FuzzHerokuShellRoundTrip(f *testing.F) {
	f.Add("it's \\ ! $HOME `id` \"q\"\nl2")
	f.Add(`C:\dir\`)
	f.Add("a\rb")
	f.Add("\u00a0x")
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return
		}
		file := "A=" + herokuQuote(v) + "\n"
		got, err := format.ParseHerokuShell([]byte(file))
		if err != nil {
			t.Fatalf("ParseHerokuShell(%q): %v", file, err)
		}
		if len(got) != 1 || string(got[0].Value) != v {
			t.Fatalf("ParseHerokuShell(%q) = %q, want %q", file, got, v)
		}
	})
}

// FuzzParseHerokuShell: never panics; errors are *DotenvError with a line
// of the input and no pairs; what it reads, Heroku's quoting writes back
// in a form it reads the same.
func FuzzParseHerokuShell(f *testing.F) {
	f.Add([]byte("A=1\nB='x y'\nC=\"it's\\n\\!\"\n"))
	f.Add([]byte("A='x\\d'\n"))
	f.Add([]byte("A=\"x\n"))
	f.Add([]byte("A=1\r\nA=2\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, err := format.ParseHerokuShell(b)
		if err != nil {
			var de *format.DotenvError
			if pairs != nil || !errors.As(err, &de) || de.Line < 1 || de.Line > bytes.Count(b, []byte("\n"))+1 {
				t.Fatalf("error %v (pairs %q) is not a *DotenvError with a line of the input", err, pairs)
			}
			return
		}
		var again bytes.Buffer
		for _, p := range pairs {
			if !format.ValidEnvName(p.Key) {
				t.Fatalf("key %q", p.Key)
			}
			again.WriteString(p.Key + "=" + herokuQuote(string(p.Value)) + "\n")
		}
		back, err := format.ParseHerokuShell(again.Bytes())
		if err != nil || !samePairs(back, pairs) {
			t.Fatalf("re-quoted %q read back as %q, %v", again.Bytes(), back, err)
		}
	})
}
