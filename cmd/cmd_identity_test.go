package cmd

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// runTresor runs tresor's command line on a terminal t and returns the
// exit code it would exit with.
func runTresor(t *terminal, args ...string) int {
	app := newApp(t)
	err := app.Run(interspersed(app, append([]string{"tresor"}, args...)))
	if err == nil {
		return exitOK
	}
	return reportError(t, err)
}

// identityOnlyFromEnv makes TRESOR_IDENTITY the identity, with no home
// directory or keyring that could hold another.
func identityOnlyFromEnv(t *testing.T) *crypto.Identity {
	t.Helper()
	id, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("TRESOR_IDENTITY_FILE", "")
	t.Setenv("TRESOR_IDENTITY", id.SecretText())
	return id
}

// export refuses to show a private key on a terminal (exit 2, nothing on
// stdout) unless --force; -o FILE and a pipe are never refused.
func TestIdentityExportRefusesTerminal(t *testing.T) {
	id := identityOnlyFromEnv(t)

	var stdout, stderr bytes.Buffer
	tty := &terminal{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, stdoutTTY: true, stderrTTY: true}
	if code := runTresor(tty, "identity", "export"); code != exitUsage {
		t.Errorf("on a terminal: exit %d, want %d", code, exitUsage)
	}
	if stdout.Len() != 0 {
		t.Fatalf("the key reached the terminal: %d bytes", stdout.Len())
	}
	if !strings.Contains(stderr.String(), "tresor: error: refusing to show a private key on the terminal") ||
		!strings.Contains(stderr.String(), "tresor: hint: pipe it into an encryption tool") {
		t.Errorf("stderr: %q", stderr.String())
	}

	// -o FILE on a terminal is fine: the key goes to the file.
	stderr.Reset()
	out := filepath.Join(t.TempDir(), "backup.key")
	if code := runTresor(tty, "identity", "export", "-o", out); code != exitOK {
		t.Fatalf("-o FILE: exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("-o FILE wrote %d bytes to stdout", stdout.Len())
	}

	// --force shows it, with the warning.
	stderr.Reset()
	if code := runTresor(tty, "identity", "export", "--force"); code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), id.SecretText()) {
		t.Error("--force did not write the key")
	}
	if !strings.Contains(stderr.String(), "this is your private key") {
		t.Errorf("no warning: %q", stderr.String())
	}

	// A pipe: written, and still the warning.
	stdout.Reset()
	stderr.Reset()
	piped := &terminal{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	if code := runTresor(piped, "identity", "export"); code != exitOK {
		t.Fatalf("piped: exit %d: %s", code, stderr.String())
	}
	back, err := crypto.ParseIdentity(stdout.Bytes(), crypto.ParseOptions{})
	if err != nil || back.Recipient() != id.Recipient() {
		t.Errorf("piped output is not the identity: %v", err)
	}
	if !strings.Contains(stderr.String(), "this is your private key") {
		t.Errorf("no warning on a pipe: %q", stderr.String())
	}
}

// import never prints the private key: only the card, on stdout.
func TestIdentityImportPrintsOnlyTheCard(t *testing.T) {
	identityOnlyFromEnv(t)
	t.Setenv("TRESOR_IDENTITY", "")
	id, err := crypto.Generate(false)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id")
	var stdout, stderr bytes.Buffer
	piped := &terminal{stdin: strings.NewReader(id.FileText()), stdout: &stdout, stderr: &stderr}
	if code := runTresor(piped, "identity", "import", "--path", path, "-"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got := strings.TrimSpace(stdout.String()); got != id.Card() {
		t.Errorf("stdout is not the card: %.60q", got)
	}
	for _, out := range []string{stdout.String(), stderr.String()} {
		if strings.Contains(out, id.SecretText()[20:60]) {
			t.Fatal("the private key was printed")
		}
	}
}
