package crypto_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"

	"github.com/tresor-dev/tresor/crypto"
)

func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		classic           bool
		kind              crypto.Kind
		secret, recipient string
	}{
		{false, crypto.KindHybrid, "AGE-SECRET-KEY-PQ-1", "age1pq1"},
		{true, crypto.KindX25519, "AGE-SECRET-KEY-1", "age1"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			id := mustGenerate(t, tc.classic)
			if id.Kind() != tc.kind {
				t.Errorf("Kind = %q, want %q", id.Kind(), tc.kind)
			}
			if !strings.HasPrefix(id.SecretText(), tc.secret) {
				t.Errorf("SecretText has prefix %.20q, want %q", id.SecretText(), tc.secret)
			}
			if !strings.HasPrefix(id.Recipient(), tc.recipient) {
				t.Errorf("Recipient has prefix %.10q, want %q", id.Recipient(), tc.recipient)
			}
			if got := crypto.IsPostQuantum(id.Recipient()); got != !tc.classic {
				t.Errorf("IsPostQuantum(Recipient) = %v, want %v", got, !tc.classic)
			}
			if !id.CanSign() || id.Signer() == "" || id.SignerKey() == nil {
				t.Fatalf("a generated age identity must sign: CanSign %v, Signer %q", id.CanSign(), id.Signer())
			}
			if !bytes.Equal(pubOf(t, id.Signer()), id.SignerKey()) {
				t.Errorf("Signer() and SignerKey() disagree")
			}
			if want := crypto.DeriveSigningKey(id.SecretText()).Public().(ed25519.PublicKey); !bytes.Equal(id.SignerKey(), want) {
				t.Errorf("signer is not derived from the secret text")
			}
			if !id.Parallel() {
				t.Errorf("age identities may decrypt in parallel")
			}
			if got, want := id.Card(), id.Recipient()+" "+id.Signer(); got != want {
				t.Errorf("Card = %q, want recipient and signer", got)
			}
			if other := mustGenerate(t, tc.classic); other.SecretText() == id.SecretText() {
				t.Errorf("two Generate calls gave the same key")
			}
		})
	}
}

func TestFileTextRoundTrip(t *testing.T) {
	for _, classic := range []bool{false, true} {
		id := mustGenerate(t, classic)
		ft := id.FileText()
		for _, line := range []string{
			"# tresor identity (" + string(id.Kind()) + ")",
			"# public key: " + id.Recipient(),
			"# signer: " + id.Signer(),
			id.SecretText(),
		} {
			if !strings.Contains(ft, line+"\n") {
				t.Errorf("%s: FileText lacks line %.60q", id.Kind(), line)
			}
		}
		back := mustParse(t, ft)
		if back.Kind() != id.Kind() || back.Recipient() != id.Recipient() || back.Signer() != id.Signer() || back.SecretText() != id.SecretText() {
			t.Errorf("%s: ParseIdentity(FileText()) differs from the identity", id.Kind())
		}
		if back.FileText() != ft {
			t.Errorf("%s: FileText is not stable through a parse", id.Kind())
		}
	}
}

func TestParseIdentityText(t *testing.T) {
	pq := mustGenerate(t, false)
	for _, tc := range []struct {
		name, text string
		kind       crypto.Kind
		recipient  string
	}{
		{"bare key", fixedIdentity, crypto.KindX25519, fixedRecipient},
		{"age-keygen output", "# created: 2026-11-25T20:24:30Z\n# public key: " + fixedRecipient + "\n" + fixedIdentity + "\n", crypto.KindX25519, fixedRecipient},
		{"blank lines and spaces", "\n\n   \n\t" + fixedIdentity + "\t\n\n", crypto.KindX25519, fixedRecipient},
		{"CRLF", "# comment\r\n" + fixedIdentity + "\r\n", crypto.KindX25519, fixedRecipient},
		{"comment after key", fixedIdentity + "\n# trailing comment\n", crypto.KindX25519, fixedRecipient},
		// The recipient comment is only a hint for plugins: an age key's
		// recipient is computed, never read from a comment.
		{"misleading comment", "# public key: age1wrong\n" + fixedIdentity, crypto.KindX25519, fixedRecipient},
		{"post-quantum", pq.FileText(), crypto.KindHybrid, pq.Recipient()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := mustParse(t, tc.text)
			if id.Kind() != tc.kind || id.Recipient() != tc.recipient {
				t.Errorf("got %s %.40q, want %s %.40q", id.Kind(), id.Recipient(), tc.kind, tc.recipient)
			}
			if !id.CanSign() {
				t.Errorf("age identity cannot sign")
			}
		})
	}
}

func TestParseIdentityRejects(t *testing.T) {
	other := mustGenerate(t, true)
	// A valid key with its checksum broken: the error must not echo it.
	// Change the last checksum character (to another valid one).
	breakLast := func(s string) string {
		if strings.HasSuffix(s, "A") {
			return s[:len(s)-1] + "C"
		}
		return s[:len(s)-1] + "A"
	}
	broken := breakLast(fixedIdentity)
	brokenPQ := breakLast(mustGenerate(t, false).SecretText())
	for _, tc := range []struct{ name, text string }{
		{"empty", ""},
		{"only comments", "# public key: " + fixedRecipient + "\n\n# nothing else\n"},
		{"two keys", fixedIdentity + "\n" + other.SecretText() + "\n"},
		{"two keys on one line", fixedIdentity + " " + other.SecretText()},
		{"garbage", "correct horse battery staple SECRETMATERIAL"},
		{"recipient instead of identity", fixedRecipient},
		{"bad checksum", broken},
		{"bad checksum post-quantum", brokenPQ},
		{"lower-case key", strings.ToLower(fixedIdentity)},
		{"ssh public key", testSSHKeys().ed25519Pub},
		{"broken PEM", "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRETMATERIAL\n-----END OPENSSH PRIVATE KEY-----\n"},
		{"binary", "\x00\x01\x02SECRETMATERIAL\xff\xfe"},
		{"line too long", strings.Repeat("SECRETMATERIAL", 100_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := crypto.ParseIdentity([]byte(tc.text), crypto.ParseOptions{})
			if err == nil {
				t.Fatalf("ParseIdentity accepted it: %s", id.Kind())
			}
			msg := err.Error()
			for _, secret := range []string{"SECRETMATERIAL", fixedIdentity[16:40], broken[16:40], brokenPQ[20:60], other.SecretText()[16:40]} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains the input", msg)
				}
			}
		})
	}
}

func TestParseIdentitySSH(t *testing.T) {
	k := testSSHKeys()
	for _, tc := range []struct {
		name      string
		pem       []byte
		kind      crypto.Kind
		recipient string
		canSign   bool
	}{
		{"ed25519", k.ed25519PEM, crypto.KindSSHEd25519, k.ed25519Pub, true},
		{"rsa", k.rsaPEM, crypto.KindSSHRSA, k.rsaPub, false},
		{"rsa PKCS#1 PEM", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.rsa)}), crypto.KindSSHRSA, k.rsaPub, false},
		{"ed25519 with leading blank line", append([]byte("\n\n"), k.ed25519PEM...), crypto.KindSSHEd25519, k.ed25519Pub, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := mustParseBytes(t, tc.pem)
			if id.Kind() != tc.kind {
				t.Errorf("Kind = %q, want %q", id.Kind(), tc.kind)
			}
			if id.Recipient() != tc.recipient {
				t.Errorf("Recipient = %q, want %q", id.Recipient(), tc.recipient)
			}
			if id.CanSign() != tc.canSign {
				t.Errorf("CanSign = %v, want %v", id.CanSign(), tc.canSign)
			}
			// ssh identities sign with themselves (ed25519) or not at all:
			// the card holds the recipient only.
			if id.Signer() != "" {
				t.Errorf("Signer = %q, want empty for ssh keys", id.Signer())
			}
			if id.Card() != tc.recipient {
				t.Errorf("Card = %q, want just the recipient", id.Card())
			}
			if id.SecretText() != "" {
				t.Errorf("ssh identities have no age secret text")
			}
			_, err := id.Sign([]byte("msg"))
			if (err == nil) != tc.canSign {
				t.Errorf("Sign error = %v, want error %v", err, !tc.canSign)
			}
			if tc.canSign && !bytes.Equal(id.SignerKey(), k.ed25519.Public().(ed25519.PublicKey)) {
				t.Errorf("ssh-ed25519 identity does not sign with its own key")
			}
			if !tc.canSign && id.SignerKey() != nil {
				t.Errorf("SignerKey = %x, want nil", id.SignerKey())
			}
		})
	}

	t.Run("unsupported type", func(t *testing.T) {
		ecPEM := marshalSSH(k.ecdsa)
		if _, err := crypto.ParseIdentity(ecPEM, crypto.ParseOptions{}); err == nil {
			t.Fatalf("ecdsa private key accepted")
		}
	})
}

func TestParseIdentityPassphraseSSH(t *testing.T) {
	k := testSSHKeys()
	block, err := ssh.MarshalPrivateKeyWithPassphrase(k.ed25519, "test key", []byte("right"))
	if err != nil {
		t.Fatal(err)
	}
	protected := pem.EncodeToMemory(block)
	testPassphrase(t, protected, crypto.KindSSHEd25519, k.ed25519Pub)
}

func TestParseIdentityPassphraseAge(t *testing.T) {
	id := mustGenerate(t, true)
	r, err := age.NewScryptRecipient("right")
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)

	var armored bytes.Buffer
	aw := armor.NewWriter(&armored)
	w, err := age.Encrypt(aw, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(id.FileText()))
	w.Close()
	aw.Close()

	t.Run("armored", func(t *testing.T) {
		testPassphrase(t, armored.Bytes(), crypto.KindX25519, id.Recipient())
	})
	t.Run("binary", func(t *testing.T) {
		// Use a file that does not end in a whitespace byte; see
		// TestParseIdentityPassphraseAgeBinaryTrailingWhitespace.
		bin := encryptBinary(t, r, []byte(id.FileText()), func(b []byte) bool { return !isASCIISpace(b[len(b)-1]) })
		testPassphrase(t, bin, crypto.KindX25519, id.Recipient())
	})
	t.Run("same signer as the unprotected file", func(t *testing.T) {
		got, err := crypto.ParseIdentity(armored.Bytes(), crypto.ParseOptions{Passphrase: func() ([]byte, error) { return []byte("right"), nil }})
		if err != nil {
			t.Fatal(err)
		}
		if got.Signer() != id.Signer() || got.SecretText() != id.SecretText() {
			t.Errorf("protected identity differs from the plain one")
		}
	})
}

// A binary (age -p without -a) identity file whose ciphertext happens to
// end in a byte bytes.TrimSpace removes fails to open with the right
// passphrase. The last byte is a Poly1305 tag byte, so this is about 6 in
// 256 files.
func TestParseIdentityPassphraseAgeBinaryTrailingWhitespace(t *testing.T) {
	id := mustGenerate(t, true)
	r, err := age.NewScryptRecipient("right")
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(10)
	bin := encryptBinary(t, r, []byte(id.FileText()), func(b []byte) bool { return isASCIISpace(b[len(b)-1]) })

	// age itself opens the file.
	sid, _ := age.NewScryptIdentity("right")
	if _, err := age.Decrypt(bytes.NewReader(bin), sid); err != nil {
		t.Fatalf("age cannot open the test file: %v", err)
	}

	got, err := crypto.ParseIdentity(bin, crypto.ParseOptions{Passphrase: func() ([]byte, error) { return []byte("right"), nil }})
	if err != nil {
		t.Fatalf("right passphrase: %v", err)
	}
	if got.Recipient() != id.Recipient() {
		t.Errorf("wrong identity inside")
	}
}

func isASCIISpace(b byte) bool { return strings.IndexByte(" \t\n\v\f\r", b) >= 0 }

// encryptBinary encrypts plain to r without armor until the ciphertext
// satisfies want (the ciphertext is random, so this takes a few tries).
func encryptBinary(t *testing.T, r age.Recipient, plain []byte, want func([]byte) bool) []byte {
	t.Helper()
	for range 5000 {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, r)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(plain)
		w.Close()
		if want(buf.Bytes()) {
			return buf.Bytes()
		}
	}
	t.Fatalf("no ciphertext with the wanted property in 5000 tries")
	return nil
}

// testPassphrase checks a protected identity: no callback, wrong passphrase,
// failing callback, right passphrase.
func testPassphrase(t *testing.T, protected []byte, kind crypto.Kind, recipient string) {
	t.Helper()
	pass := func(p string) func() ([]byte, error) {
		return func() ([]byte, error) { return []byte(p), nil }
	}
	if _, err := crypto.ParseIdentity(protected, crypto.ParseOptions{}); !errors.Is(err, crypto.ErrPassphraseNeeded) {
		t.Errorf("no callback: error = %v, want ErrPassphraseNeeded", err)
	}
	if _, err := crypto.ParseIdentity(protected, crypto.ParseOptions{Passphrase: pass("wrong")}); !errors.Is(err, crypto.ErrBadPassphrase) {
		t.Errorf("wrong passphrase: error = %v, want ErrBadPassphrase", err)
	}
	errNoTTY := errors.New("no terminal")
	if _, err := crypto.ParseIdentity(protected, crypto.ParseOptions{Passphrase: func() ([]byte, error) { return nil, errNoTTY }}); !errors.Is(err, errNoTTY) {
		t.Errorf("failing callback: error = %v, want the callback's error", err)
	}
	calls := 0
	id, err := crypto.ParseIdentity(protected, crypto.ParseOptions{Passphrase: func() ([]byte, error) { calls++; return []byte("right"), nil }})
	if err != nil {
		t.Fatalf("right passphrase: %v", err)
	}
	if calls != 1 {
		t.Errorf("passphrase asked %d times, want once", calls)
	}
	if id.Kind() != kind || id.Recipient() != recipient {
		t.Errorf("got %s %.40q, want %s %.40q", id.Kind(), id.Recipient(), kind, recipient)
	}
}

func TestParseIdentityPlugin(t *testing.T) {
	key := plugin.EncodeIdentity("yubikey", []byte{1, 2, 3})
	if !strings.HasPrefix(key, "AGE-PLUGIN-YUBIKEY-1") {
		t.Fatalf("EncodeIdentity = %q", key)
	}

	for _, allow := range [][]string{nil, {"other"}, {"YubiKey"}} {
		_, err := crypto.ParseIdentity([]byte(key), crypto.ParseOptions{Plugins: allow})
		var notAllowed *crypto.PluginNotAllowedError
		if !errors.As(err, &notAllowed) {
			t.Fatalf("allow-list %q: error = %v, want *PluginNotAllowedError", allow, err)
		}
		if notAllowed.Name != "yubikey" {
			t.Errorf("PluginNotAllowedError.Name = %q, want yubikey", notAllowed.Name)
		}
		if strings.Contains(err.Error(), key[20:]) {
			t.Errorf("error %q contains the identity", err)
		}
	}

	if _, err := crypto.ParseIdentity([]byte("AGE-PLUGIN-YUBIKEY-1NOTVALID"), crypto.ParseOptions{Plugins: []string{"yubikey"}}); err == nil {
		t.Errorf("malformed plugin identity accepted")
	}

	// Allowed, with the recipient in a comment: parsing does not run the
	// plugin, and the identity reads but cannot sign.
	recipient := plugin.EncodeRecipient("yubikey", []byte{4, 5, 6})
	id, err := crypto.ParseIdentity([]byte("# public key: "+recipient+"\n"+key+"\n"), crypto.ParseOptions{Plugins: []string{"yubikey"}})
	if err != nil {
		t.Fatalf("allowed plugin identity: %v", err)
	}
	if id.Kind() != crypto.KindPlugin || id.Recipient() != recipient {
		t.Errorf("got %s %q, want %s %q", id.Kind(), id.Recipient(), crypto.KindPlugin, recipient)
	}
	if id.CanSign() || id.Signer() != "" || id.Parallel() {
		t.Errorf("plugin identity: CanSign %v, Signer %q, Parallel %v; want false, empty, false", id.CanSign(), id.Signer(), id.Parallel())
	}
	if id.Card() != recipient {
		t.Errorf("Card = %q, want the recipient", id.Card())
	}
	if id.NewFileKeyCache() != nil {
		t.Errorf("plugin identity has a file key cache, but nothing to seal it with")
	}
	if _, err := id.Sign([]byte("x")); err == nil {
		t.Errorf("plugin identity signed")
	}
}

func TestParseIdentityPluginWithoutRecipient(t *testing.T) {
	key := plugin.EncodeIdentity("yubikey", []byte{1, 2, 3})
	id, err := crypto.ParseIdentity([]byte(key), crypto.ParseOptions{Plugins: []string{"yubikey"}})
	if err != nil {
		t.Fatalf("allowed plugin identity: %v", err)
	}
	if id.Recipient() == "" {
		return
	}
	if _, err := crypto.NormalizeRecipient(id.Recipient(), []string{"yubikey"}); err == nil {
		return
	}
	t.Errorf("Recipient = %q, want \"\" or a valid recipient", id.Recipient())
}

func TestParseCard(t *testing.T) {
	age := mustGenerate(t, true)
	pq := mustGenerate(t, false)
	k := testSSHKeys()
	for _, tc := range []struct {
		name, card, recipient, signer string
	}{
		{"age card", age.Card(), age.Recipient(), age.Signer()},
		{"post-quantum card", pq.Card(), pq.Recipient(), pq.Signer()},
		{"surrounding space", "  " + age.Card() + "\n", age.Recipient(), age.Signer()},
		{"double space", age.Recipient() + "  " + age.Signer(), age.Recipient(), age.Signer()},
		{"no signer", age.Recipient(), age.Recipient(), ""},
		{"ssh-ed25519", k.ed25519Pub, k.ed25519Pub, ""},
		{"ssh-rsa with signer", k.rsaPub + " " + age.Signer(), k.rsaPub, age.Signer()},
		{"signer alone", age.Signer(), age.Signer(), ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, s := crypto.ParseCard(tc.card)
			if r != tc.recipient || s != tc.signer {
				t.Errorf("ParseCard = (%.30q, %q), want (%.30q, %q)", r, s, tc.recipient, tc.signer)
			}
		})
	}

	// Card of an ssh-ed25519 identity is just its recipient: SignerOf
	// derives the signer from it.
	id := mustParseBytes(t, k.ed25519PEM)
	if id.Card() != k.ed25519Pub {
		t.Errorf("ssh-ed25519 Card = %q, want %q", id.Card(), k.ed25519Pub)
	}
	if r, s := crypto.ParseCard(id.Card()); r != k.ed25519Pub || s != "" {
		t.Errorf("ParseCard(ssh card) = (%q, %q)", r, s)
	}
}
