package format_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tresor-dev/tresor/format"
)

// trickyValues are values every output format must carry exactly (or
// refuse, where the target cannot hold them).
var trickyValues = []string{
	"",
	"plain",
	"two words",
	"it's",
	"'",
	"''",
	`'\''`,
	`"double" quotes`,
	"$HOME ${USER} $(id) `id`",
	"a=b=c",
	"back\\slash\\",
	"line1\nline2\n",
	"\n\nleading and trailing newlines\n\n",
	"crlf\r\nline\r\n",
	"tab\there",
	"# not a comment",
	"grüße 🔑 日本語",
	"\x1b[31mred\x1b[0m",
	"EOF\nTRESOR_EOF\nK<<TRESOR_EOF",
	"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
	strings.Repeat("x'\"$\n", 64<<10/5), // 64 KiB
}

func trickyPairs() []format.DotenvPair {
	pairs := make([]format.DotenvPair, len(trickyValues))
	for i, v := range trickyValues {
		pairs[i] = format.DotenvPair{Key: "V" + string(rune('A'+i)), Value: []byte(v)}
	}
	return pairs
}

func TestEnvOutShellGolden(t *testing.T) {
	got, err := format.FormatShell([]format.DotenvPair{pair("A", "plain"), pair("B", "it's $HOME"), pair("C", "l1\nl2"), pair("D", "")})
	if err != nil {
		t.Fatal(err)
	}
	want := "export A='plain'\nexport B='it'\\''s $HOME'\nexport C='l1\nl2'\nexport D=''\n"
	if string(got) != want {
		t.Fatalf("FormatShell =\n%s\nwant\n%s", got, want)
	}
}

// TestEnvOutShellEval runs the output through real shells: eval, then print
// each variable, and compares bytes.
func TestEnvOutShellEval(t *testing.T) {
	shells := []string{"sh", "bash", "dash", "zsh"}
	found := 0
	pairs := trickyPairs()
	// Bytes that are not UTF-8 are fine for sh.
	pairs = append(pairs, format.DotenvPair{Key: "BIN", Value: []byte("\xff\xfe\x80 binary \x01")})
	out, err := format.FormatShell(pairs)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "env.sh")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sh := range shells {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		found++
		for _, p := range pairs {
			// The value goes through the file only, never argv.
			cmd := exec.Command(path, "-c", `eval "$(cat "$1")"; printf %s "$`+p.Key+`"`, sh, file)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
			got, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: eval of FormatShell output failed for %s: %v", sh, p.Key, err)
			}
			if !bytes.Equal(got, p.Value) {
				t.Errorf("%s: %s = %q, want %q", sh, p.Key, truncateBytes(got), truncateBytes(p.Value))
			}
		}
		// export, not just set: a child process sees them.
		cmd := exec.Command(path, "-c", `eval "$(cat "$1")"; env`, sh, file)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		env, err := cmd.Output()
		if err != nil || !bytes.Contains(env, []byte("\nVB=plain\n")) {
			t.Errorf("%s: VB is not exported (err %v)", sh, err)
		}
	}
	if found == 0 {
		t.Skip("no POSIX shell found")
	}
}

func truncateBytes(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

func TestEnvOutShellRejects(t *testing.T) {
	if _, err := format.FormatShell([]format.DotenvPair{pair("A", "hunter2\x00")}); err == nil || !strings.Contains(err.Error(), "A: the value contains a NUL byte") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("FormatShell with NUL: %v", err)
	}
	if _, err := format.FormatShell([]format.DotenvPair{pair("A;rm", "x")}); err == nil {
		t.Errorf("FormatShell accepted a key that is not a name")
	}
}

func TestEnvOutJSON(t *testing.T) {
	got, err := format.FormatJSON([]format.DotenvPair{pair("B", "<&> \"q\" \\ é\n\x01"), pair("A", "")})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"B\": \"<&> \\\"q\\\" \\\\ é\\n\\u0001\",\n  \"A\": \"\"\n}\n"
	if string(got) != want {
		t.Fatalf("FormatJSON =\n%s\nwant\n%s", got, want)
	}
	if got, _ := format.FormatJSON(nil); string(got) != "{}\n" {
		t.Fatalf("FormatJSON(nil) = %q", got)
	}
	pairs := trickyPairs()
	out, err := format.FormatJSON(pairs)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != len(pairs) {
		t.Fatalf("FormatJSON wrote %d keys, want %d", len(m), len(pairs))
	}
	for _, p := range pairs {
		if m[p.Key] != string(p.Value) {
			t.Errorf("%s = %q, want %q", p.Key, m[p.Key], p.Value)
		}
	}
}

func TestEnvOutJSONRejectsInvalidUTF8(t *testing.T) {
	_, err := format.FormatJSON([]format.DotenvPair{pair("A", "hunter2\xff")})
	if err == nil || !strings.Contains(err.Error(), "A: the value is not valid UTF-8") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("FormatJSON of invalid UTF-8: %v", err)
	}
}

func TestEnvOutGitHubEnv(t *testing.T) {
	got, err := format.FormatGitHubEnv([]format.DotenvPair{pair("A", "one"), pair("B", "l1\nl2\n"), pair("C", "")})
	if err != nil {
		t.Fatal(err)
	}
	want := "A<<TRESOR_EOF\none\nTRESOR_EOF\nB<<TRESOR_EOF\nl1\nl2\n\nTRESOR_EOF\nC<<TRESOR_EOF\n\nTRESOR_EOF\n"
	if string(got) != want {
		t.Fatalf("FormatGitHubEnv =\n%s\nwant\n%s", got, want)
	}
	pairs := trickyPairs()
	out, err := format.FormatGitHubEnv(pairs)
	if err != nil {
		t.Fatal(err)
	}
	if back := readGitHubEnv(t, out); !samePairs(back, pairs) {
		t.Fatalf("the runner would read different values")
	}
}

// TestEnvOutGitHubEnvInjection: a value that contains the usual delimiter
// must not end early and set another variable.
func TestEnvOutGitHubEnvInjection(t *testing.T) {
	evil := "x\nTRESOR_EOF\nNODE_OPTIONS=--require /tmp/evil.js\nPATH<<TRESOR_EOF\n/tmp"
	pairs := []format.DotenvPair{pair("A", evil)}
	out, err := format.FormatGitHubEnv(pairs)
	if err != nil {
		t.Fatal(err)
	}
	back := readGitHubEnv(t, out)
	if !samePairs(back, pairs) {
		t.Fatalf("the runner would read %q", back)
	}
	again, _ := format.FormatGitHubEnv(pairs)
	if !bytes.Equal(out, again) {
		t.Fatalf("FormatGitHubEnv is not deterministic")
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if first == "A<<TRESOR_EOF" || !strings.HasPrefix(first, "A<<TRESOR_EOF_") {
		t.Fatalf("header line %q", first)
	}
}

func TestEnvOutGitHubEnvRejects(t *testing.T) {
	for _, v := range []string{"hunter2\xff", "hunter2\x00"} {
		_, err := format.FormatGitHubEnv([]format.DotenvPair{pair("A", v)})
		if err == nil || !strings.HasPrefix(err.Error(), "A: ") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("FormatGitHubEnv(%q): %v", v, err)
		}
	}
}

// readGitHubEnv reads a $GITHUB_ENV file as the Actions runner does on
// Linux (SetEnvFileCommand in actions/runner): lines end at "\n"; NAME=VALUE,
// or NAME<<DELIM then the lines up to the first one equal to DELIM.
func readGitHubEnv(t *testing.T, b []byte) []format.DotenvPair {
	t.Helper()
	text := string(b)
	var out []format.DotenvPair
	index := 0
	readLine := func() (string, bool) {
		if index >= len(text) {
			return "", false
		}
		start := index
		if i := strings.IndexByte(text[index:], '\n'); i >= 0 {
			index += i + 1
			return text[start : start+i], true
		}
		index = len(text)
		return text[start:], true
	}
	for line, ok := readLine(); ok; line, ok = readLine() {
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, pair(line[:eq], line[eq+1:]))
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				t.Fatalf("runner: invalid format %q", line)
			}
			start, end := index, index
			for {
				l, ok := readLine()
				if !ok {
					t.Fatalf("runner: matching delimiter not found")
				}
				if l == delim {
					break
				}
				end = index - 1
				if index == len(text) && !strings.HasSuffix(text, "\n") {
					end = index
				}
			}
			out = append(out, pair(name, text[start:max(start, end)]))
		default:
			t.Fatalf("runner: invalid format %q", line)
		}
	}
	return out
}

func TestEnvOutK8sSecret(t *testing.T) {
	got, err := format.FormatK8sSecret("app-secrets", "prod", []format.DotenvPair{pair("ON", "yes"), pair("DB_PASSWORD", "hunter2\n"), pair("EMPTY", "")})
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: v1
kind: Secret
metadata:
  name: "app-secrets"
  namespace: "prod"
type: Opaque
data:
  "DB_PASSWORD": "aHVudGVyMgo="
  "EMPTY": ""
  "ON": "eWVz"
`
	if string(got) != want {
		t.Fatalf("FormatK8sSecret =\n%s\nwant\n%s", got, want)
	}
	got, err = format.FormatK8sSecret("s.example.com", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: \"s.example.com\"\ntype: Opaque\ndata: {}\n"; string(got) != want {
		t.Fatalf("FormatK8sSecret without data =\n%s\nwant\n%s", got, want)
	}
}

// TestEnvOutK8sSecretYAML reads the manifest with a YAML parser and
// decodes every value, binary ones included.
func TestEnvOutK8sSecretYAML(t *testing.T) {
	pairs := append(trickyPairs(), format.DotenvPair{Key: "BIN", Value: []byte{0, 0xff, 1, '\n'}},
		pair("Y", "1234"), pair("NO", "x"))
	out, err := format.FormatK8sSecret("n", "ns-1", pairs)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name, Namespace string }
		Type       string
		Data       map[string]string
	}
	if err := yaml.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m.APIVersion != "v1" || m.Kind != "Secret" || m.Type != "Opaque" || m.Metadata.Name != "n" || m.Metadata.Namespace != "ns-1" {
		t.Fatalf("manifest header: %+v", m)
	}
	if len(m.Data) != len(pairs) {
		t.Fatalf("%d data keys, want %d", len(m.Data), len(pairs))
	}
	for _, p := range pairs {
		v, err := base64.StdEncoding.DecodeString(m.Data[p.Key])
		if err != nil || !bytes.Equal(v, p.Value) {
			t.Errorf("%s decodes to %q (%v), want %q", p.Key, truncateBytes(v), err, truncateBytes(p.Value))
		}
	}
}

func TestEnvOutK8sSecretNames(t *testing.T) {
	okNames := []string{"a", "app-secrets", "a.b.c", "0abc", strings.Repeat("a", 63) + "." + strings.Repeat("b", 63)}
	badNames := []string{"", "App", "-a", "a-", "a..b", ".a", "a.", "a_b", "a b", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "a"}
	for _, n := range okNames {
		if _, err := format.FormatK8sSecret(n, "", nil); err != nil {
			t.Errorf("name %q: %v", n, err)
		}
	}
	for _, n := range badNames {
		if _, err := format.FormatK8sSecret(n, "", nil); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	okNS := []string{"default", "kube-system", "a1", strings.Repeat("a", 63)}
	badNS := []string{"Prod", "a.b", "-a", "a-", "a_b", strings.Repeat("a", 64)}
	for _, ns := range okNS {
		if _, err := format.FormatK8sSecret("n", ns, nil); err != nil {
			t.Errorf("namespace %q: %v", ns, err)
		}
	}
	for _, ns := range badNS {
		if _, err := format.FormatK8sSecret("n", ns, nil); err == nil {
			t.Errorf("namespace %q accepted", ns)
		}
	}
}

func TestEnvOutRejectsBadKeys(t *testing.T) {
	formats := map[string]func([]format.DotenvPair) ([]byte, error){
		"dotenv": format.MarshalDotenv,
		"shell":  format.FormatShell,
		"json":   format.FormatJSON,
		"github": format.FormatGitHubEnv,
		"k8s":    func(p []format.DotenvPair) ([]byte, error) { return format.FormatK8sSecret("n", "", p) },
	}
	for name, f := range formats {
		for _, pairs := range [][]format.DotenvPair{
			{pair("A=B", "x")},
			{pair("A<<B", "x")},
			{pair("1A", "x")},
			{pair("", "x")},
			{pair("A", "x"), pair("A", "y")},
		} {
			if _, err := f(pairs); err == nil {
				t.Errorf("%s accepted %q", name, pairs)
			}
		}
	}
}
