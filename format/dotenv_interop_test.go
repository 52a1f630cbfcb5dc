package format_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/joho/godotenv"

	"github.com/tresor-dev/tresor/format"
)

// What other dotenv readers make of MarshalDotenv's output. Each predicate
// says exactly which values a reader reads back as written (docs/dotenv.md
// has the table); the tests check both directions, so the docs cannot claim
// more, or less, than the readers do. A reader must never reject the file
// or misread one value because of another.

// dotenvSingleQuoted: MarshalDotenv writes v as 'v'.
func dotenvSingleQuoted(v []byte) bool {
	out, err := format.MarshalDotenv([]format.DotenvPair{{Key: "K", Value: v}})
	if err != nil {
		panic(err)
	}
	return out[2] == '\''
}

// pythonInterpolates is python-dotenv's _posix_variable.
var pythonInterpolates = regexp.MustCompile(`\$\{[^}:]*(?::-[^}]*)?\}`)

func endsInBackslash(v []byte) bool { return len(v) > 0 && v[len(v)-1] == '\\' }

// godotenvReadsExactly (github.com/joho/godotenv v1.5.1): the closing quote
// is the first one not after a backslash, so a value ending in \ reads with
// the line continuation's newline; and it trims every " before the closing
// quote, so a double-quoted value ending in " reads as ending in \.
func godotenvReadsExactly(v []byte) bool {
	if endsInBackslash(v) {
		return false
	}
	return dotenvSingleQuoted(v) || !bytes.HasSuffix(v, []byte(`"`))
}

// pythonDotenvReadsExactly (python-dotenv 1.2, dotenv_values with its
// default interpolate=True): it expands ${NAME} and ${NAME:-default} in
// every value, single-quoted ones too, and has no escape for it; inside
// single quotes it reads \\ as one backslash; inside double quotes it keeps
// the backslash of \$ and \`; and like godotenv it reads a trailing \ wrong.
func pythonDotenvReadsExactly(v []byte) bool {
	if endsInBackslash(v) || pythonInterpolates.Match(v) {
		return false
	}
	if dotenvSingleQuoted(v) {
		return !bytes.Contains(v, []byte(`\\`))
	}
	return !bytes.ContainsAny(v, "$`")
}

// interopPieces make up the values of the interop tests: what quoting,
// escaping, comments, expansion and line ends in the readers act on.
var interopPieces = []string{
	"a", "Z", "0", " ", "  ", "\t", "\n", "\r", "\r\n", "'", `"`, `\`, `\\`, "$", "`", "!", "#", " #", "=",
	"${X}", "$X", "$(id)", "$$", `\n`, `\t`, `\'`, `\"`, `\$`, "\\\n", "export ", "é", "🔑", "\u00a0", "\u2028",
	"\x1b", "\x7f", "\v", "\f", ":", "{", "}",
}

func interopValue(r *rand.Rand) []byte {
	var v strings.Builder
	for n := r.IntN(10); n > 0; n-- {
		v.WriteString(interopPieces[r.IntN(len(interopPieces))])
	}
	return []byte(v.String())
}

// interopFiles are random files of one to five pairs, with a fixed seed.
func interopFiles(n int) [][]format.DotenvPair {
	r := rand.New(rand.NewPCG(11, 11))
	files := make([][]format.DotenvPair, n)
	for i := range files {
		pairs := make([]format.DotenvPair, 1+r.IntN(5))
		for j := range pairs {
			pairs[j] = format.DotenvPair{Key: fmt.Sprintf("V%d_%d", i, j), Value: interopValue(r)}
		}
		files[i] = pairs
	}
	return files
}

// readGodotenv reads a file as godotenv.Unmarshal, failing the test if
// godotenv rejects it or does not read exactly the keys written.
func readGodotenv(t *testing.T, file []byte, pairs []format.DotenvPair) map[string]string {
	t.Helper()
	got, err := godotenv.Unmarshal(string(file))
	if err != nil {
		t.Fatalf("godotenv rejects the file: %v\nfile: %q", err, file)
	}
	if len(got) != len(pairs) {
		t.Fatalf("godotenv read %d variables, want %d\nfile: %q", len(got), len(pairs), file)
	}
	return got
}

// TestDotenvGodotenvProperty: godotenv reads every file MarshalDotenv writes
// (a value ending in \ made it reject the whole file, issue #11), and reads
// back exactly the values godotenvReadsExactly says, and no other.
func TestDotenvGodotenvProperty(t *testing.T) {
	exact, total := 0, 0
	for _, pairs := range interopFiles(3000) {
		out, err := format.MarshalDotenv(pairs)
		if err != nil {
			t.Fatal(err)
		}
		got := readGodotenv(t, out, pairs)
		for _, p := range pairs {
			v, ok := got[p.Key]
			if !ok {
				t.Fatalf("godotenv lost %s\nfile: %q", p.Key, out)
			}
			same := v == string(p.Value)
			if same != godotenvReadsExactly(p.Value) {
				t.Fatalf("godotenv reads %q as %q: exact %v, documented %v\nfile: %q", p.Value, v, same, !same, out)
			}
			if same {
				exact++
			}
			total++
		}
	}
	t.Logf("godotenv read %d of %d random values back exactly", exact, total)
}

// TestDotenvGodotenvIssueValues: the values the issue counted with (quotes,
// backslashes, $, newlines, tabs, comment signs) in one file, as a team's
// .env would have them: godotenv reads it, and all but the documented
// exceptions exactly.
func TestDotenvGodotenvIssueValues(t *testing.T) {
	values := []string{
		`C:\Users\me\`, `\\server\share`, `pa$$word`, "it's `id` $(id)", `"quoted"`, `say "hi"`, `it's "x"`,
		"multi\nline\n", "tab\there", "# not a comment", "a #b", `\n is not a newline`, `${NOT_EXPANDED}`,
		`regex \d+\.\w`, "crlf\r\nend", `back\`, `\`, `ends in \\`, `{"json": "x\"y"}`, "-----BEGIN KEY-----\nMIIE\n-----END KEY-----\n",
	}
	pairs := make([]format.DotenvPair, len(values))
	for i, v := range values {
		pairs[i] = format.DotenvPair{Key: fmt.Sprintf("V%d", i), Value: []byte(v)}
	}
	checkGodotenv(t, pairs)
}

// checkGodotenv writes pairs with MarshalDotenv and fails unless godotenv
// reads back exactly the values godotenvReadsExactly says it does.
func checkGodotenv(t *testing.T, pairs []format.DotenvPair) {
	t.Helper()
	out, err := format.MarshalDotenv(pairs)
	if err != nil {
		t.Fatal(err)
	}
	got := readGodotenv(t, out, pairs)
	for _, p := range pairs {
		if exact := got[p.Key] == string(p.Value); exact != godotenvReadsExactly(p.Value) {
			t.Fatalf("godotenv reads %q as %q (documented exact: %v)\nfile: %q", p.Value, got[p.Key], !exact, out)
		}
	}
}

// TestDotenvPortableValues: values without $, ` or a trailing \ or ", the
// kind most .env files hold (paths, regexes, JSON, PEM blocks, quotes),
// are spelled so that godotenv and python-dotenv both read them exactly:
// a value with \\ is double-quoted, since python-dotenv reads \\ inside
// single quotes as one backslash, and newlines and tabs stay raw.
func TestDotenvPortableValues(t *testing.T) {
	for _, v := range []string{
		`\\server\share`, `C:\Users\me\file`, `regex \d+\.\w \\d`, `it's "x" \ y`, `{"a": "b\\c", "d": 1}`,
		"tab\there", "multi\nline\n", "it's\ttab\nand \\\\ two", "-----BEGIN KEY-----\nMIIE\\\\x\n-----END KEY-----\n",
	} {
		if !godotenvReadsExactly([]byte(v)) || !pythonDotenvReadsExactly([]byte(v)) {
			out, _ := format.MarshalDotenv([]format.DotenvPair{{Key: "K", Value: []byte(v)}})
			t.Errorf("%q is written as %q, which godotenv (%v) or python-dotenv (%v) does not read exactly",
				v, out, godotenvReadsExactly([]byte(v)), pythonDotenvReadsExactly([]byte(v)))
		}
	}
}

// FuzzDotenvGodotenv: for any two values, godotenv reads the file
// MarshalDotenv writes, both keys, and exactly the values
// godotenvReadsExactly says. Seeds are also in
// testdata/fuzz/FuzzDotenvGodotenv.
func FuzzDotenvGodotenv(f *testing.F) {
	f.Add([]byte(`C:\dir\`), []byte(`it's "x"`))
	f.Add([]byte("a\r\nb\\"), []byte(`\\server $X`))
	f.Add([]byte(`"`), []byte(`'`))
	f.Add([]byte("${X}\n`id`"), []byte("\\\n"))
	f.Fuzz(func(t *testing.T, v1, v2 []byte) {
		if !utf8.Valid(v1) || !utf8.Valid(v2) || bytes.IndexByte(v1, 0) >= 0 || bytes.IndexByte(v2, 0) >= 0 {
			return
		}
		checkGodotenv(t, []format.DotenvPair{{Key: "A", Value: v1}, {Key: "B", Value: v2}})
	})
}

// TestDotenvPythonDotenv runs python-dotenv where it is installed: it reads
// every file MarshalDotenv writes, and exactly the values
// pythonDotenvReadsExactly says. Values go through files, never argv.
func TestDotenvPythonDotenv(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if exec.Command(python, "-c", "import dotenv").Run() != nil {
		t.Skip("python-dotenv is not installed")
	}
	dir := t.TempDir()
	files := interopFiles(400)
	var names []string
	for i, pairs := range files {
		out, err := format.MarshalDotenv(pairs)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("%d.env", i))
		must(t, os.WriteFile(name, out, 0o600))
		names = append(names, name)
	}
	list := filepath.Join(dir, "files.json")
	b, _ := json.Marshal(names)
	must(t, os.WriteFile(list, b, 0o600))
	script := `
import json, sys, warnings, logging
logging.disable(logging.CRITICAL)
from dotenv import dotenv_values
names = json.load(open(sys.argv[1]))
json.dump([dotenv_values(n) for n in names], sys.stdout)
`
	cmd := exec.Command(python, "-c", script, list)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8", "PYTHONIOENCODING=utf-8"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python-dotenv: %v\n%s", err, stderr.Bytes())
	}
	var read []map[string]*string
	must(t, json.Unmarshal(out, &read))
	exact, total := 0, 0
	for i, pairs := range files {
		if len(read[i]) != len(pairs) {
			t.Fatalf("python-dotenv read %d variables from %s, want %d", len(read[i]), names[i], len(pairs))
		}
		for _, p := range pairs {
			v := read[i][p.Key]
			if v == nil {
				t.Fatalf("python-dotenv did not read %s", p.Key)
			}
			same := *v == string(p.Value)
			if same != pythonDotenvReadsExactly(p.Value) {
				t.Fatalf("python-dotenv reads %q as %q: exact %v, documented %v", p.Value, *v, same, !same)
			}
			if same {
				exact++
			}
			total++
		}
	}
	t.Logf("python-dotenv read %d of %d random values back exactly", exact, total)
}
