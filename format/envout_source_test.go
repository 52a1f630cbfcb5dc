package format_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/tresor-dev/tresor/format"
)

// dangerousPieces make up the values of TestEnvOutSourcedRunsNothing,
// weighted towards what a shell acts on. Every command in them creates a
// file named PWNED* in the working directory.
var dangerousPieces = []struct {
	s      string
	weight int
}{
	{"a", 6}, {" ", 3}, {"'", 8}, {`"`, 6}, {`\`, 6}, {"$", 4}, {"`", 6},
	{"$(touch PWNED1)", 4}, {"`touch PWNED2`", 4}, {"${X:-$(touch PWNED3)}", 1},
	{"$((1+1))", 1}, {"$HOME", 1}, {"\n", 4}, {"\r", 2}, {"\r\n", 1}, {"\t", 2},
	{"!", 2}, {"!!", 1}, {"!-1", 1}, {`'\''`, 3}, {`\'`, 2}, {`\"`, 2}, {"\\\n", 2},
	{"\\`", 2}, {"\\$", 2}, {"#", 1}, {";touch PWNED4;", 2}, {"\ntouch PWNED5\n", 2},
	{"&", 1}, {"|", 1}, {"<(touch PWNED6)", 1}, {"*", 1}, {"~", 1}, {"=", 1},
	{"export ", 1}, {"é", 1}, {"🔑", 1}, {"日本", 1}, {"€", 1}, {"\u2028", 1},
	{"\x1b[31m", 1}, {"\x7f", 1}, {"\x01", 1}, {"\xff\xfe", 1}, // not UTF-8: shell only
}

func dangerousValue(r *rand.Rand) []byte {
	total := 0
	for _, p := range dangerousPieces {
		total += p.weight
	}
	var v []byte
	for n := r.IntN(14); n > 0; n-- {
		w := r.IntN(total)
		for _, p := range dangerousPieces {
			if w -= p.weight; w < 0 {
				v = append(v, p.s...)
				break
			}
		}
	}
	return v
}

// sourcingShells are the shells on this machine that sh scripts and
// set -a; . ./.env meet: sh, bash, dash and zsh, each binary once.
func sourcingShells(t *testing.T) []string {
	var out, seen []string
	for _, name := range []string{"sh", "bash", "dash", "zsh"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil || slices.Contains(seen, real) {
			continue
		}
		seen = append(seen, real)
		out = append(out, p)
	}
	if len(out) == 0 {
		t.Skip("no POSIX shell found")
	}
	return out
}

// sourceAndDump runs shell in dir: it runs prelude (which sources a file),
// then prints each named variable followed by a NUL byte. Values go through
// files only, never argv.
func sourceAndDump(t *testing.T, shell, dir, locale, prelude string, keys []string) [][]byte {
	t.Helper()
	script := prelude + "\nprintf '%s\\0'"
	for _, k := range keys {
		script += ` "$` + k + `"`
	}
	cmd := exec.Command(shell, "-c", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=" + locale, "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s (LC_ALL=%s): %s failed: %v\n%s", shell, locale, prelude, err, stderr.Bytes())
	}
	values := bytes.Split(out, []byte{0})
	if len(values) != len(keys)+1 || len(values[len(keys)]) != 0 {
		t.Fatalf("%s (LC_ALL=%s): %s: dumped %d values, want %d", shell, locale, prelude, len(values)-1, len(keys))
	}
	return values[:len(keys)]
}

// TestEnvOutSourcedRunsNothing: for many random values made of what shells
// act on, the dotenv and shell outputs, sourced by every shell found (as
// people do: set -a; . ./.env), run no command; --format shell gives every
// value back byte for byte, and dotenv too, except that a carriage return
// reads as the two characters \r. A dotenv value with ' and a backtick
// used to be double-quoted with the backtick live, and ran.
func TestEnvOutSourcedRunsNothing(t *testing.T) {
	shells := sourcingShells(t)
	r := rand.New(rand.NewPCG(8, 8))
	const rounds, perRound = 4, 300
	for round := range rounds {
		var dotenvPairs, shellPairs []format.DotenvPair
		for i := range perRound {
			v := dangerousValue(r)
			if round == 0 && i == 0 {
				v = []byte("it's `touch PWNED0` and $(touch PWNED0)")
			}
			p := format.DotenvPair{Key: fmt.Sprintf("V%d", i), Value: v}
			shellPairs = append(shellPairs, p)
			if utf8.Valid(v) {
				dotenvPairs = append(dotenvPairs, p)
			}
		}
		dotenv, err := format.MarshalDotenv(dotenvPairs)
		if err != nil {
			t.Fatal(err)
		}
		shell, err := format.FormatShell(shellPairs)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range shells {
			for _, locale := range []string{"C", "C.UTF-8"} {
				dir := t.TempDir()
				must(t, os.WriteFile(filepath.Join(dir, "out.env"), dotenv, 0o600))
				must(t, os.WriteFile(filepath.Join(dir, "out.sh"), shell, 0o600))

				got := sourceAndDump(t, sh, dir, locale, "set -a; . ./out.env; set +a", keysOf(dotenvPairs))
				for i, p := range dotenvPairs {
					want := bytes.ReplaceAll(p.Value, []byte("\r"), []byte(`\r`))
					if !bytes.Equal(got[i], want) {
						t.Fatalf("%s (LC_ALL=%s) sourcing dotenv: %s = %q, want %q\nline: %q", sh, locale, p.Key, got[i], want, lineOf(dotenv, p.Key))
					}
				}
				got = sourceAndDump(t, sh, dir, locale, ". ./out.sh", keysOf(shellPairs))
				for i, p := range shellPairs {
					if !bytes.Equal(got[i], p.Value) {
						t.Fatalf("%s (LC_ALL=%s) sourcing shell: %s = %q, want %q", sh, locale, p.Key, got[i], p.Value)
					}
				}
				// The shell output is also for eval "$(tresor env --format shell)".
				got = sourceAndDump(t, sh, dir, locale, `eval "$(cat ./out.sh)"`, keysOf(shellPairs))
				for i, p := range shellPairs {
					// $(...) drops trailing newlines of the whole output,
					// which ends in "'\n": values are not affected.
					if !bytes.Equal(got[i], p.Value) {
						t.Fatalf("%s (LC_ALL=%s) eval of shell: %s = %q, want %q", sh, locale, p.Key, got[i], p.Value)
					}
				}

				entries, err := os.ReadDir(dir)
				must(t, err)
				for _, e := range entries {
					if e.Name() != "out.env" && e.Name() != "out.sh" {
						t.Fatalf("%s (LC_ALL=%s) ran code from a value: %s appeared", sh, locale, e.Name())
					}
				}
			}
		}
	}
}

func keysOf(pairs []format.DotenvPair) []string {
	keys := make([]string, len(pairs))
	for i, p := range pairs {
		keys[i] = p.Key
	}
	return keys
}

// lineOf finds the start of KEY's line in a dotenv file, for messages.
func lineOf(file []byte, key string) []byte {
	i := bytes.Index(file, []byte("\n"+key+"="))
	if i < 0 {
		return nil
	}
	rest := file[i+1:]
	return rest[:min(len(rest), 200)]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
