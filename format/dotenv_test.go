package format_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tresor-dev/tresor/format"
)

func pair(k, v string) format.DotenvPair { return format.DotenvPair{Key: k, Value: []byte(v)} }

func TestParseDotenv(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	tests := []struct {
		name string
		in   string
		want []format.DotenvPair
	}{
		{"empty file", "", nil},
		{"blank lines and comments", "\n  \n# comment\n   # indented comment\n\t\n", nil},
		{"plain", "A=1\nB=two\n", []format.DotenvPair{pair("A", "1"), pair("B", "two")}},
		{"no final newline", "A=1", []format.DotenvPair{pair("A", "1")}},
		{"crlf", "A=1\r\nB='x\r\ny'\r\n", []format.DotenvPair{pair("A", "1"), pair("B", "x\ny")}},
		{"byte order mark", "\xef\xbb\xbfA=1\n", []format.DotenvPair{pair("A", "1")}},
		{"export prefix", "export A=1\nexport\tB='2'\n", []format.DotenvPair{pair("A", "1"), pair("B", "2")}},
		{"a variable named export", "export=1\nexport X=2\n", []format.DotenvPair{pair("export", "1"), pair("X", "2")}},
		{"spaces around =", "  A = 1  \nB= 'x' \n", []format.DotenvPair{pair("A", "1"), pair("B", "x")}},
		{"unquoted trimmed", "A=\t hello world \t\n", []format.DotenvPair{pair("A", "hello world")}},
		{"inline comment", "A=value # a comment\nB=value\t#tab comment\n", []format.DotenvPair{pair("A", "value"), pair("B", "value")}},
		{"hash without space is the value", "A=abc#def\nB=#xyz\nC=a#b #c\n", []format.DotenvPair{pair("A", "abc#def"), pair("B", "#xyz"), pair("C", "a#b")}},
		{"empty values", "A=\nB=''\nC=\"\"\nD= # comment\nE=   \n", []format.DotenvPair{pair("A", ""), pair("B", ""), pair("C", ""), pair("D", ""), pair("E", "")}},
		{"unquoted keeps quotes inside", `A=it's "fine"` + "\n", []format.DotenvPair{pair("A", `it's "fine"`)}},
		{"unquoted = and $", "A=a=b=c\nB=$HOME/${X}\n", []format.DotenvPair{pair("A", "a=b=c"), pair("B", "$HOME/${X}")}},
		{"single quotes are literal", `A='a\nb $HOME "q" \'` + "\n", []format.DotenvPair{pair("A", `a\nb $HOME "q" \`)}},
		{"single quotes span lines", "A='-----BEGIN KEY-----\nabc\n-----END KEY-----\n'\nB=1\n",
			[]format.DotenvPair{pair("A", "-----BEGIN KEY-----\nabc\n-----END KEY-----\n"), pair("B", "1")}},
		{"single quotes keep # and spaces", "A=' x # y '  # comment\n", []format.DotenvPair{pair("A", " x # y ")}},
		{"double quote escapes", `A="l1\nl2\r\t\"q\" \\ \$HOME"` + "\n", []format.DotenvPair{pair("A", "l1\nl2\r\t\"q\" \\ $HOME")}},
		{"double quotes keep unknown escapes", `A="\d+\.\w \'"` + "\n", []format.DotenvPair{pair("A", `\d+\.\w \'`)}},
		{"double quote backtick escape", "A=\"\\`id\\`\"\n", []format.DotenvPair{pair("A", "`id`")}},
		{"double quotes do not interpolate", `A="$HOME ${USER}"` + "\n", []format.DotenvPair{pair("A", "$HOME ${USER}")}},
		{"double quotes span lines", "A=\"one\ntwo\"\nB=2\n", []format.DotenvPair{pair("A", "one\ntwo"), pair("B", "2")}},
		{"double quotes with comment after", `A="x" # c` + "\n", []format.DotenvPair{pair("A", "x")}},
		{"quote directly followed by comment", `A='x'#c` + "\n", []format.DotenvPair{pair("A", "x")}},
		{"unicode", "A=grüße 🔑\nB='日本語'\n", []format.DotenvPair{pair("A", "grüße 🔑"), pair("B", "日本語")}},
		{"64 KiB", "BIG='" + big + "'\n", []format.DotenvPair{pair("BIG", big)}},
		{"lowercase and underscore keys", "_a=1\nlower_Case9=2\n", []format.DotenvPair{pair("_a", "1"), pair("lower_Case9", "2")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := format.ParseDotenv([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseDotenv: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDotenv = %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseDotenvRejects(t *testing.T) {
	// Each input hides the value "hunter2" where it can: errors must give
	// the line, never the value.
	tests := []struct {
		name, in, want string
	}{
		{"no =", "A=1\nhunter2\n", "line 2: expected KEY=value"},
		{"export without =", "export hunter2\n", "line 1: expected KEY=value"},
		{"empty key", "=hunter2\n", "line 1: the variable name is not"},
		{"key starts with a digit", "1A=hunter2\n", "line 1: the variable name is not"},
		{"key with a dash", "A-B=hunter2\n", "line 1: the variable name is not"},
		{"key with a dot", "\n\nA.B=hunter2\n", "line 3: the variable name is not"},
		{"space inside the key", "A B=hunter2\n", "line 1: expected KEY=value"},
		{"unclosed single quote", "A=1\nB='hunter2\nC=3\n", "line 2: the single-quoted value is not closed"},
		{"unclosed double quote", "A=\"hunter2\\\"\n", "line 1: the double-quoted value is not closed"},
		{"backslash at the end", `A="hunter2\`, "line 1: the double-quoted value is not closed"},
		{"text after the quote", "A='hunter2' trailing\n", "line 1: unexpected text after the closing quote"},
		{"text after a multi-line quote", "A='x\nhunter2'y\n", "line 2: unexpected text after the closing quote"},
		{"duplicate key", "A=1\n# c\nB=2\nexport A=hunter2\n", "line 4: A is already set on line 1"},
		{"duplicate after a multi-line value", "A='1\n2'\nA=hunter2\n", "line 3: A is already set on line 1"},
		{"invalid utf-8", "A=1\nB=hunter2\xff\n", "line 2: not valid UTF-8"},
		{"nul byte", "A=1\nB='hunter2\x00'\n", "line 2: contains a NUL byte"},
		{"broken quote makes a value a key", "A='x\nhunter2'\nhunter2 x='y'\n", "line 3: expected KEY=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := format.ParseDotenv([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseDotenv = %q, want an error", got)
			}
			if got != nil {
				t.Errorf("ParseDotenv returned pairs with the error")
			}
			var de *format.DotenvError
			if !errors.As(err, &de) || de.Line < 1 {
				t.Errorf("error %v is not a *DotenvError with a line", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q echoes the value", err)
			}
		})
	}
}

func TestMarshalDotenv(t *testing.T) {
	tests := []struct {
		name string
		in   []format.DotenvPair
		want string
	}{
		{"nothing", nil, ""},
		{"plain", []format.DotenvPair{pair("A", "1"), pair("B", "two words")}, "A='1'\nB='two words'\n"},
		{"empty", []format.DotenvPair{pair("A", "")}, "A=''\n"},
		{"dollar and double quotes stay literal in single quotes", []format.DotenvPair{pair("A", `$HOME "x" \n =`)}, `A='$HOME "x" \n ='` + "\n"},
		{"newlines and tabs in single quotes", []format.DotenvPair{pair("PEM", "-----BEGIN-----\n\tabc\n-----END-----\n")}, "PEM='-----BEGIN-----\n\tabc\n-----END-----\n'\n"},
		{"single quote", []format.DotenvPair{pair("A", `it's $5 "x" \ end`)}, `A="it's \$5 \"x\" \\ end"` + "\n"},
		// A backslash before the closing quote made godotenv, docker
		// compose and python-dotenv read the quote as escaped and reject
		// the file or run into the next lines: a line continuation, which
		// sh and ParseDotenv drop, keeps it away from the quote.
		{"ends in a backslash", []format.DotenvPair{pair("A", `C:\dir\`), pair("B", "x")}, "A=\"C:\\\\dir\\\\\\\n\"\nB='x'\n"},
		{"ends in a backslash, with a quote", []format.DotenvPair{pair("A", `it's \`)}, "A=\"it's \\\\\\\n\"\n"},
		// python-dotenv reads \\ inside single quotes as one backslash.
		{"double backslash double-quoted", []format.DotenvPair{pair("A", `\\server\share`)}, `A="\\\\server\\share"` + "\n"},
		{"double backslash with $ stays single-quoted", []format.DotenvPair{pair("A", `\\server $x`)}, `A='\\server $x'` + "\n"},
		{"double backslash ending in a double quote stays single-quoted", []format.DotenvPair{pair("A", `\\"x"`)}, `A='\\"x"'` + "\n"},
		{"single backslash stays single-quoted", []format.DotenvPair{pair("A", `\d+\.`)}, `A='\d+\.'` + "\n"},
		{"control characters but CR single-quoted", []format.DotenvPair{pair("A", "\x1b[31m\x7f\t\n")}, "A='\x1b[31m\x7f\t\n'\n"},
		{"carriage return escaped, newline written as it is", []format.DotenvPair{pair("A", "a\r\nb")}, "A=\"a\\r\nb\"\n"},
		{"other control characters", []format.DotenvPair{pair("A", "\x1b[31m'\t")}, "A=\"\x1b[31m'\t\"\n"},
		// A value with ' and a backtick was double-quoted with the
		// backtick live, so sourcing the file ran it.
		{"backtick escaped in double quotes", []format.DotenvPair{pair("A", "it's `touch PWNED` $(id)\n")}, "A=\"it's \\`touch PWNED\\` \\$(id)\n\"\n"},
		{"backtick stays literal in single quotes", []format.DotenvPair{pair("A", "`id`")}, "A='`id`'\n"},
		{"unicode", []format.DotenvPair{pair("A", "grüße 🔑")}, "A='grüße 🔑'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := format.MarshalDotenv(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("MarshalDotenv =\n%s\nwant\n%s", got, tt.want)
			}
			back, err := format.ParseDotenv(got)
			if err != nil {
				t.Fatalf("ParseDotenv(MarshalDotenv): %v", err)
			}
			if !samePairs(back, tt.in) {
				t.Fatalf("ParseDotenv(MarshalDotenv) = %q, want %q", back, tt.in)
			}
		})
	}
}

func TestMarshalDotenvRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []format.DotenvPair
		want string
	}{
		{"invalid utf-8", []format.DotenvPair{pair("A", "hunter2\xff")}, "A: the value is not valid UTF-8"},
		{"nul", []format.DotenvPair{pair("A", "hunter2\x00")}, "A: the value contains a NUL byte"},
		{"bad key", []format.DotenvPair{pair("A-B", "hunter2")}, `"A-B" is not a valid environment variable name`},
		{"empty key", []format.DotenvPair{pair("", "hunter2")}, `"" is not a valid`},
		{"duplicate", []format.DotenvPair{pair("A", "1"), pair("A", "hunter2")}, "A is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := format.MarshalDotenv(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("MarshalDotenv error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q echoes the value", err)
			}
		})
	}
}

// TestDotenvRoundTripProperty checks ParseDotenv(MarshalDotenv(pairs)) ==
// pairs for random pairs drawn from the bytes that make dotenv hard.
func TestDotenvRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "\t", "\n", "\r", "\r\n", "'", `"`, `\`, "$", "`", "=", "#", " #", "${X}",
		"export ", "\x1b", "\x7f", "é", "🔑", "\u2028", "\xef\xbb\xbf", "A=1", "'\n"}
	for i := 0; i < 5000; i++ {
		n := r.IntN(4)
		pairs := make([]format.DotenvPair, n)
		for j := range pairs {
			var v strings.Builder
			for k := r.IntN(12); k > 0; k-- {
				v.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			pairs[j] = format.DotenvPair{Key: string(rune('A'+j)) + "_" + strings.Repeat("x", r.IntN(3)), Value: []byte(v.String())}
		}
		b, err := format.MarshalDotenv(pairs)
		if err != nil {
			t.Fatalf("MarshalDotenv(%q): %v", pairs, err)
		}
		back, err := format.ParseDotenv(b)
		if err != nil {
			t.Fatalf("ParseDotenv(MarshalDotenv(%q)): %v\nfile: %q", pairs, err, b)
		}
		if !samePairs(back, pairs) {
			t.Fatalf("round trip of %q gave %q\nfile: %q", pairs, back, b)
		}
	}
}

func TestDotenvRoundTripLargeValue(t *testing.T) {
	v := bytes.Repeat([]byte("x'\"\\$\n\r\t=é"), 64<<10/12)
	pairs := []format.DotenvPair{{Key: "BIG", Value: v}}
	b, err := format.MarshalDotenv(pairs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := format.ParseDotenv(b)
	if err != nil || !samePairs(back, pairs) {
		t.Fatalf("64 KiB value did not round-trip (err %v)", err)
	}
}

// samePairs compares pairs, an empty value equal to a nil one.
func samePairs(a, b []format.DotenvPair) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

// FuzzParseDotenv: ParseDotenv never panics, and what it reads, MarshalDotenv
// writes in a form it reads back the same. Seeds are also in
// testdata/fuzz/FuzzParseDotenv.
func FuzzParseDotenv(f *testing.F) {
	f.Add([]byte("A=1\nexport B='two\nlines'\nC=\"esc \\n \\$X \\\" \\\\\" # c\n# comment\n\nD=\n"))
	f.Add([]byte("A='x' y\n"))
	f.Add([]byte("A=\"unclosed\n"))
	f.Add([]byte("\xef\xbb\xbfA=1\r\nB=2\r\n"))
	f.Add([]byte("A=1\nA=2\n"))
	f.Add([]byte("export export=1\n"))
	f.Add([]byte("a=b\rc=d\r# c\rE='x\ry'\r"))
	f.Add([]byte("A=\"x\\\ny\" \nB=\"\\d ${X}\"\nC= #c\nD='\\\\'\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, notes, err := format.ParseDotenvNotes(b)
		if plain, plainErr := format.ParseDotenv(b); (plainErr == nil) != (err == nil) || !samePairs(plain, pairs) {
			t.Fatalf("ParseDotenv and ParseDotenvNotes disagree")
		}
		if err != nil && notes != nil {
			t.Fatalf("notes with an error")
		}
		for _, n := range notes {
			if n.Line < 1 || n.Reason == "" {
				t.Fatalf("note %+v", n)
			}
		}
		if err != nil {
			if pairs != nil {
				t.Fatalf("ParseDotenv returned pairs and an error %v", err)
			}
			var de *format.DotenvError
			// Lines end at LF, CR LF or a lone CR.
			if !errors.As(err, &de) || de.Line < 1 || de.Line > bytes.Count(b, []byte("\n"))+bytes.Count(b, []byte("\r"))+1 {
				t.Fatalf("error %v is not a *DotenvError with a line of the file", err)
			}
			return
		}
		for _, p := range pairs {
			if !format.ValidEnvName(p.Key) {
				t.Fatalf("ParseDotenv returned key %q", p.Key)
			}
		}
		out, err := format.MarshalDotenv(pairs)
		if err != nil {
			t.Fatalf("MarshalDotenv of parsed pairs %q: %v", pairs, err)
		}
		back, err := format.ParseDotenv(out)
		if err != nil {
			t.Fatalf("ParseDotenv(MarshalDotenv(%q)): %v\nfile: %q", pairs, err, out)
		}
		if !samePairs(back, pairs) {
			t.Fatalf("round trip of %q gave %q\nfile: %q", pairs, back, out)
		}
	})
}

// FuzzDotenvRoundTrip: from any two pairs, MarshalDotenv either refuses
// for a reason it documents or writes a file ParseDotenv reads back
// exactly; and FormatGitHubEnv's output reads back the same the way the
// Actions runner reads it. Seeds are also in testdata/fuzz/FuzzDotenvRoundTrip.
func FuzzDotenvRoundTrip(f *testing.F) {
	f.Add("A", []byte("plain"), "B", []byte(""))
	f.Add("PEM", []byte("-----BEGIN-----\nabc\n-----END-----\n"), "Q", []byte(`it's "q" \ $X`))
	f.Add("A", []byte("a\r\nb\x1b"), "A", []byte("dup"))
	f.Add("A", []byte("x\nTRESOR_EOF\nB<<TRESOR_EOF"), "B", []byte("TRESOR_EOF"))
	f.Add("1A", []byte("v"), "B", []byte("\xff"))
	f.Fuzz(func(t *testing.T, k1 string, v1 []byte, k2 string, v2 []byte) {
		pairs := []format.DotenvPair{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
		valid := format.ValidEnvName(k1) && format.ValidEnvName(k2) && k1 != k2 &&
			utf8.Valid(v1) && utf8.Valid(v2) && bytes.IndexByte(v1, 0) < 0 && bytes.IndexByte(v2, 0) < 0
		out, err := format.MarshalDotenv(pairs)
		if (err == nil) != valid {
			t.Fatalf("MarshalDotenv(%q) error = %v, want an error: %v", pairs, err, !valid)
		}
		if err != nil {
			// Keys may be named, values never. A value that is part of a
			// key, as written or Go-quoted, cannot be told apart
			// (regression-value-inside-bad-key, regression-value-inside-quoted-key).
			keys := k1 + " " + k2 + " " + strconv.Quote(k1) + " " + strconv.Quote(k2)
			for _, v := range [][]byte{v1, v2} {
				if len(v) >= 4 && strings.Contains(err.Error(), string(v)) && !strings.Contains(keys, string(v)) {
					t.Fatalf("error %q echoes a value", err)
				}
			}
			return
		}
		back, err := format.ParseDotenv(out)
		if err != nil {
			t.Fatalf("ParseDotenv(MarshalDotenv(%q)): %v\nfile: %q", pairs, err, out)
		}
		if !samePairs(back, pairs) {
			t.Fatalf("round trip of %q gave %q\nfile: %q", pairs, back, out)
		}
		gh, err := format.FormatGitHubEnv(pairs)
		if err != nil {
			t.Fatalf("FormatGitHubEnv: %v", err)
		}
		if got := readGitHubEnv(t, gh); !samePairs(got, pairs) {
			t.Fatalf("the runner would read %q as %q", gh, got)
		}
	})
}
