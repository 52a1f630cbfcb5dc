package crypto_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/tresor-dev/tresor/crypto"
)

// testPlugin is a real age plugin (testdata/age-plugin-tresortest) built
// for the test and first on PATH, with a recipient and identity of its own.
type testPlugin struct {
	recipient string // age1tresortest1…
	identity  string // "# public key: …" and AGE-PLUGIN-TRESORTEST-1…
	log       string // one line each time the plugin runs
}

// allowed is the allow-list that lets the test plugin run.
var allowed = []string{"tresortest"}

func buildTestPlugin(t *testing.T) testPlugin {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command builds the test plugin: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "age-plugin-tresortest")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command(goBin, "build", "-o", bin, "./testdata/age-plugin-tresortest")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the test plugin: %v\n%s", err, out)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	log := filepath.Join(dir, "runs.log")
	t.Setenv("TRESORTEST_LOG", log)
	t.Setenv("TRESORTEST_PIN", "")
	t.Setenv("TRESORTEST_CONFIRM", "")

	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	r := plugin.EncodeRecipient("tresortest", []byte(x.Recipient().String()))
	return testPlugin{
		recipient: r,
		identity:  "# public key: " + r + "\n" + plugin.EncodeIdentity("tresortest", []byte(x.String())) + "\n",
		log:       log,
	}
}

// runs returns how many times the plugin has run.
func (p testPlugin) runs(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(p.log)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func (p testPlugin) parse(t *testing.T, ui *crypto.PluginUI) *crypto.Identity {
	t.Helper()
	id, err := crypto.ParseIdentity([]byte(p.identity), crypto.ParseOptions{Plugins: allowed, PluginUI: ui})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A file sealed to a plugin recipient is wrapped by the plugin and opened
// by the plugin's identity, through crypto's API. Writing to any plugin
// recipient used to panic: age dereferenced the nil ClientUI Sealer gave it.
func TestPluginRoundTrip(t *testing.T) {
	p := buildTestPlugin(t)
	other := mustGenerate(t, true)
	armored, err := crypto.Sealer{Plugins: allowed}.Encrypt([]string{p.recipient, other.Recipient()}, []byte("value"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dearmorForTest(t, armored), []byte("\n-> tresortest ")) {
		t.Fatal("no stanza from the plugin in the file")
	}
	id := p.parse(t, nil)
	if got, err := crypto.Decrypt(armored, id, 1<<20); err != nil || string(got) != "value" {
		t.Fatalf("the plugin identity read %q, %v", got, err)
	}
	if got, err := crypto.DecryptCached(armored, sha256.Sum256(armored), id, nil, crypto.NewReadKeyRing(), 1<<20); err != nil || string(got) != "value" {
		t.Fatalf("DecryptCached with the plugin identity: %q, %v", got, err)
	}
	if got, err := crypto.Decrypt(armored, other, 1<<20); err != nil || string(got) != "value" {
		t.Fatalf("the other reader read %q, %v", got, err)
	}
	if p.runs(t) < 3 {
		t.Fatalf("the plugin ran %d times, want one wrap and two unwraps", p.runs(t))
	}
	// A file the plugin's identity has no stanza in is not a plugin failure.
	notForIt := mustEncrypt(t, []byte("v"), other.Recipient())
	if _, err := crypto.Decrypt(notForIt, id, 1<<20); !errors.Is(err, crypto.ErrNotRecipient) {
		t.Fatalf("a file without the plugin's stanza: %v, want ErrNotRecipient", err)
	}
}

// A plugin off the allow-list never runs, for writing or for reading.
func TestPluginOffTheAllowList(t *testing.T) {
	p := buildTestPlugin(t)
	var notAllowed *crypto.PluginNotAllowedError
	for _, list := range [][]string{nil, {"other"}} {
		if _, err := (crypto.Sealer{Plugins: list}).Encrypt([]string{p.recipient}, []byte("v")); !errors.As(err, &notAllowed) {
			t.Fatalf("allow-list %q: Encrypt: %v, want *PluginNotAllowedError", list, err)
		}
		if _, err := crypto.ParseIdentity([]byte(p.identity), crypto.ParseOptions{Plugins: list}); !errors.As(err, &notAllowed) {
			t.Fatalf("allow-list %q: ParseIdentity: %v, want *PluginNotAllowedError", list, err)
		}
	}
	if n := p.runs(t); n != 0 {
		t.Fatalf("a plugin off the allow-list ran %d times", n)
	}
}

// What a plugin says reaches PluginUI.Messages, without control
// characters; its requests reach PluginUI.Ask, and with no Ask (stdin not a
// terminal) they are refused and the read fails cleanly: a *PluginError,
// never a panic or a report of tampering.
func TestPluginUI(t *testing.T) {
	p := buildTestPlugin(t)
	armored, err := crypto.Sealer{Plugins: allowed}.Encrypt([]string{p.recipient}, []byte("value"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TRESORTEST_PIN", "1234")

	var pe *crypto.PluginError
	if _, err := crypto.Decrypt(armored, p.parse(t, nil), 1<<20); !errors.As(err, &pe) || pe.Name != "tresortest" || errors.Is(err, crypto.ErrTampered) {
		t.Fatalf("a request with no UI: %v, want a *PluginError", err)
	}

	var msgs bytes.Buffer
	if _, err := crypto.Decrypt(armored, p.parse(t, &crypto.PluginUI{Messages: &msgs}), 1<<20); !errors.As(err, &pe) {
		t.Fatalf("a request with no Ask: %v, want a *PluginError", err)
	}
	if s := msgs.String(); !strings.Contains(s, "tresor: age-plugin-tresortest: touch the test token") || !strings.Contains(s, "cannot prompt") {
		t.Fatalf("messages: %q", s)
	}
	if strings.ContainsRune(msgs.String(), '\x1b') {
		t.Fatalf("a plugin's terminal escape reached the messages: %q", msgs.String())
	}

	var prompts []string
	answer := "1234"
	ui := &crypto.PluginUI{Messages: &msgs, Ask: func(prompt string, secret bool) (string, error) {
		if !secret {
			t.Errorf("the PIN was asked for with echo")
		}
		prompts = append(prompts, prompt)
		return answer, nil
	}}
	if got, err := crypto.Decrypt(armored, p.parse(t, ui), 1<<20); err != nil || string(got) != "value" {
		t.Fatalf("with the PIN: %q, %v", got, err)
	}
	if len(prompts) != 1 || !strings.Contains(prompts[0], "test PIN") {
		t.Fatalf("prompts: %q", prompts)
	}
	answer = "0000"
	if _, err := crypto.Decrypt(armored, p.parse(t, ui), 1<<20); !errors.As(err, &pe) || !strings.Contains(err.Error(), "wrong PIN") {
		t.Fatalf("with a wrong PIN: %v", err)
	}

	t.Setenv("TRESORTEST_PIN", "")
	t.Setenv("TRESORTEST_CONFIRM", "1")
	for _, tc := range []struct {
		answer string
		ok     bool
	}{{"yes", true}, {"YES ", true}, {"no", false}, {"maybe", false}} {
		confirm := &crypto.PluginUI{Ask: func(string, bool) (string, error) { return tc.answer, nil }}
		_, err := crypto.Decrypt(armored, p.parse(t, confirm), 1<<20)
		if (err == nil) != tc.ok {
			t.Fatalf("confirmation answered %q: %v", tc.answer, err)
		}
	}
}

// A plugin that is allowed but not installed fails cleanly both ways.
func TestPluginNotInstalled(t *testing.T) {
	x, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	list := []string{"tresorabsent"}
	r := plugin.EncodeRecipient("tresorabsent", []byte(x.Recipient().String()))
	if _, err := (crypto.Sealer{Plugins: list}).Encrypt([]string{r}, []byte("v")); err == nil {
		t.Fatal("encrypted to a plugin that is not installed")
	}
	id, err := crypto.ParseIdentity([]byte(plugin.EncodeIdentity("tresorabsent", []byte(x.String()))), crypto.ParseOptions{Plugins: list})
	if err != nil {
		t.Fatal(err)
	}
	// A file with a stanza the plugin would have to judge.
	armored := mustEncrypt(t, []byte("v"), mustGenerate(t, true).Recipient())
	var pe *crypto.PluginError
	if _, err := crypto.Decrypt(armored, id, 1<<20); !errors.As(err, &pe) {
		t.Fatalf("decrypting with a plugin that is not installed: %v, want a *PluginError", err)
	}
}
