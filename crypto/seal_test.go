package crypto_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age/armor"
	"filippo.io/age/plugin"

	"github.com/tresor-dev/tresor/crypto"
)

// testIdentities returns one identity of each kind that can decrypt without
// a plugin.
func testIdentities(t *testing.T) map[string]*crypto.Identity {
	t.Helper()
	k := testSSHKeys()
	return map[string]*crypto.Identity{
		"x25519":       mustGenerate(t, true),
		"post-quantum": mustGenerate(t, false),
		"ssh-ed25519":  mustParseBytes(t, k.ed25519PEM),
		"ssh-rsa":      mustParseBytes(t, k.rsaPEM),
	}
}

func TestEncryptDecrypt(t *testing.T) {
	plaintext := []byte("hunter2\x00\xff with binary and a newline\n")
	for name, id := range testIdentities(t) {
		t.Run(name, func(t *testing.T) {
			armored := mustEncrypt(t, plaintext, id.Recipient())
			if !bytes.HasPrefix(armored, []byte(armor.Header+"\n")) {
				t.Fatalf("Encrypt output is not armored: %.40q", armored)
			}
			got, err := crypto.Decrypt(armored, id, 1024)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !bytes.Equal(got, plaintext) {
				t.Errorf("Decrypt = %q, want %q", got, plaintext)
			}
			// Encryption is randomized.
			if again := mustEncrypt(t, plaintext, id.Recipient()); bytes.Equal(again, armored) {
				t.Errorf("two encryptions gave the same ciphertext")
			}
		})
	}

	t.Run("empty plaintext", func(t *testing.T) {
		id := mustGenerate(t, true)
		got, err := crypto.Decrypt(mustEncrypt(t, nil, id.Recipient()), id, 0)
		if err != nil || len(got) != 0 {
			t.Errorf("Decrypt = %q, %v; want empty", got, err)
		}
	})
}

func TestEncryptMultipleRecipients(t *testing.T) {
	ids := testIdentities(t)
	// Classic recipients mix freely; post-quantum ones only with each other.
	classic := []*crypto.Identity{ids["x25519"], ids["ssh-ed25519"], ids["ssh-rsa"], mustGenerate(t, true)}
	pq := []*crypto.Identity{ids["post-quantum"], mustGenerate(t, false)}
	for name, group := range map[string][]*crypto.Identity{"classic": classic, "post-quantum": pq} {
		t.Run(name, func(t *testing.T) {
			var recipients []string
			for _, id := range group {
				recipients = append(recipients, id.Recipient())
			}
			armored := mustEncrypt(t, []byte("shared"), recipients...)
			for _, id := range group {
				got, err := crypto.Decrypt(armored, id, 100)
				if err != nil || string(got) != "shared" {
					t.Errorf("%s: Decrypt = %q, %v", id.Kind(), got, err)
				}
			}
		})
	}
}

func TestDecryptNotRecipient(t *testing.T) {
	ids := testIdentities(t)
	k := testSSHKeys()
	outsiders := map[string]*crypto.Identity{
		"x25519":       mustGenerate(t, true),
		"post-quantum": mustGenerate(t, false),
		"ssh-ed25519":  mustParseBytes(t, k.otherEd),
	}
	for name, id := range ids {
		armored := mustEncrypt(t, []byte("secret"), id.Recipient())
		for oname, other := range outsiders {
			t.Run(name+" read by "+oname, func(t *testing.T) {
				got, err := crypto.Decrypt(armored, other, 100)
				if !errors.Is(err, crypto.ErrNotRecipient) {
					t.Errorf("Decrypt = %q, %v; want ErrNotRecipient", got, err)
				}
			})
		}
	}
}

func TestDecryptTampered(t *testing.T) {
	for name, id := range testIdentities(t) {
		t.Run(name, func(t *testing.T) {
			armored := mustEncrypt(t, []byte("do not touch"), id.Recipient())
			tampered := flipPayloadByte(t, armored)
			if _, err := crypto.Decrypt(tampered, id, 100); !errors.Is(err, crypto.ErrTampered) {
				t.Errorf("flipped payload byte: error = %v, want ErrTampered", err)
			}
		})
	}

	id := mustGenerate(t, true)
	armored := mustEncrypt(t, []byte("do not touch"), id.Recipient())
	bin := dearmor(t, armored)
	macAt := bytes.Index(bin, []byte("\n--- ")) + len("\n--- ")
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"header MAC", rearmor(t, flipAt(bin, macAt+3))},
		{"version line", rearmor(t, flipAt(bin, 3))},
		{"truncated payload", rearmor(t, bin[:len(bin)-1])},
		{"payload cut off", rearmor(t, bin[:macAt+43+1])},
		{"trailing garbage", rearmor(t, append(bytes.Clone(bin), 'x'))},
		{"not age at all", []byte("hello")},
		{"empty", nil},
		{"armor broken", bytes.Replace(armored, []byte("\n"), []byte("\n!"), 2)},
		{"armor footer missing", bytes.TrimSuffix(bytes.TrimSpace(armored), []byte(armor.Footer))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := crypto.Decrypt(tc.in, id, 100); !errors.Is(err, crypto.ErrTampered) {
				t.Errorf("Decrypt = %q, %v; want ErrTampered", got, err)
			}
		})
	}
}

func dearmor(t *testing.T, armored []byte) []byte {
	t.Helper()
	var bin bytes.Buffer
	if _, err := bin.ReadFrom(armor.NewReader(bytes.NewReader(armored))); err != nil {
		t.Fatalf("dearmor: %v", err)
	}
	return bin.Bytes()
}

func rearmor(t *testing.T, bin []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := armor.NewWriter(&out)
	w.Write(bin)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func flipAt(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x01
	return b
}

func TestDecryptMaxSize(t *testing.T) {
	id := mustGenerate(t, true)
	plaintext := bytes.Repeat([]byte("x"), 100)
	armored := mustEncrypt(t, plaintext, id.Recipient())
	for _, tc := range []struct {
		max int
		ok  bool
	}{{1000, true}, {101, true}, {100, true}, {99, false}, {0, false}} {
		got, err := crypto.Decrypt(armored, id, tc.max)
		if tc.ok && (err != nil || !bytes.Equal(got, plaintext)) {
			t.Errorf("maxSize %d: Decrypt = %d bytes, %v; want the plaintext", tc.max, len(got), err)
		}
		if !tc.ok {
			if err == nil {
				t.Errorf("maxSize %d: Decrypt returned %d bytes, want an error", tc.max, len(got))
			} else if errors.Is(err, crypto.ErrTampered) || errors.Is(err, crypto.ErrNotRecipient) {
				t.Errorf("maxSize %d: error = %v, want a size error", tc.max, err)
			}
		}
	}
}

func TestEncryptRefuses(t *testing.T) {
	pq := mustGenerate(t, false).Recipient()
	yubi := plugin.EncodeRecipient("yubikey", []byte{4, 5, 6})
	for _, tc := range []struct {
		name       string
		recipients []string
		check      func(error) bool
	}{
		{"no recipients", nil, nil},
		{"post-quantum with x25519", []string{pq, fixedRecipient}, nil},
		{"post-quantum with ssh", []string{testSSHKeys().ed25519Pub, pq}, nil},
		{"garbage", []string{"hello"}, nil},
		{"malformed ssh", []string{"ssh-ed25519 AAAAbroken"}, nil},
		{"malformed age", []string{"age1qqqqqqqq"}, nil},
		{"plugin not allowed", []string{fixedRecipient, yubi}, func(err error) bool {
			var notAllowed *crypto.PluginNotAllowedError
			return errors.As(err, &notAllowed) && notAllowed.Name == "yubikey"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := crypto.Sealer{}.Encrypt(tc.recipients, []byte("x"))
			if err == nil {
				t.Fatalf("Encrypt succeeded (%d bytes)", len(out))
			}
			if tc.check != nil && !tc.check(err) {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// Files tresor writes open with the stock age CLI, and files age writes
// open with tresor: the format is age's, nothing of tresor's own.
func TestAgeCLIInterop(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("age CLI not installed")
	}
	dir := t.TempDir()
	for _, classic := range []bool{true, false} {
		id := mustGenerate(t, classic)
		idFile := filepath.Join(dir, "id")
		if err := os.WriteFile(idFile, []byte(id.FileText()), 0o600); err != nil {
			t.Fatal(err)
		}

		cmd := exec.Command(agePath, "-d", "-i", idFile)
		cmd.Stdin = bytes.NewReader(mustEncrypt(t, []byte("from tresor"), id.Recipient()))
		out, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok && strings.Contains(string(ee.Stderr), "unknown") && !classic {
				t.Logf("this age CLI does not know post-quantum keys: %s", ee.Stderr)
				continue
			}
			t.Fatalf("%s: age -d: %v", id.Kind(), err)
		}
		if string(out) != "from tresor" {
			t.Errorf("%s: age -d = %q", id.Kind(), out)
		}

		cmd = exec.Command(agePath, "-a", "-r", id.Recipient())
		cmd.Stdin = strings.NewReader("from age")
		armored, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: age -r: %v", id.Kind(), err)
		}
		got, err := crypto.Decrypt(armored, id, 100)
		if err != nil || string(got) != "from age" {
			t.Errorf("%s: Decrypt(age output) = %q, %v", id.Kind(), got, err)
		}
	}
}
