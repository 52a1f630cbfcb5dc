package crypto_test

import (
	"errors"
	"strings"
	"testing"

	"filippo.io/age/plugin"

	"github.com/tresor-dev/tresor/crypto"
)

func TestNormalizeRecipient(t *testing.T) {
	k := testSSHKeys()
	pq := mustGenerate(t, false).Recipient()
	yubi := plugin.EncodeRecipient("yubikey", []byte{4, 5, 6})
	for _, tc := range []struct {
		name, in string
		plugins  []string
		want     string // "" when an error is expected
	}{
		{name: "x25519", in: fixedRecipient, want: fixedRecipient},
		{name: "x25519 with spaces", in: "  " + fixedRecipient + "\n", want: fixedRecipient},
		{name: "post-quantum", in: pq, want: pq},
		{name: "ssh-ed25519", in: k.ed25519Pub, want: k.ed25519Pub},
		{name: "ssh-ed25519 comment dropped", in: k.ed25519Pub + " alice@laptop", want: k.ed25519Pub},
		{name: "ssh-ed25519 comment with spaces dropped", in: k.ed25519Pub + " Alice Smith (work)\n", want: k.ed25519Pub},
		{name: "ssh-rsa", in: k.rsaPub + " deploy@ci", want: k.rsaPub},
		{name: "plugin allowed", in: yubi, plugins: []string{"yubikey"}, want: yubi},
		{name: "ecdsa refused", in: k.ecdsaPubKey},
		{name: "garbage", in: "hello"},
		{name: "empty", in: ""},
		{name: "ssh-ed25519 malformed", in: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAbroken"},
		{name: "ssh type mismatch", in: "ssh-rsa " + strings.Fields(k.ed25519Pub)[1]},
		{name: "x25519 bad checksum", in: fixedRecipient[:len(fixedRecipient)-1] + "q"},
		{name: "post-quantum truncated", in: pq[:len(pq)-10]},
		{name: "upper-case x25519", in: strings.ToUpper(fixedRecipient)},
		{name: "identity instead of recipient", in: fixedIdentity},
		{name: "signer instead of recipient", in: "ed25519:AAAA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := crypto.NormalizeRecipient(tc.in, tc.plugins)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("NormalizeRecipient accepted %.40q as %.40q", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeRecipient: %v", err)
			}
			if got != tc.want {
				t.Errorf("NormalizeRecipient = %.60q, want %.60q", got, tc.want)
			}
			// Normal forms are fixed points.
			if again, err := crypto.NormalizeRecipient(got, tc.plugins); err != nil || again != got {
				t.Errorf("NormalizeRecipient is not idempotent: %q, %v", again, err)
			}
		})
	}
}

func TestNormalizeRecipientPluginNotAllowed(t *testing.T) {
	yubi := plugin.EncodeRecipient("yubikey", []byte{4, 5, 6})
	for _, allow := range [][]string{nil, {"tpm"}, {"YUBIKEY"}} {
		_, err := crypto.NormalizeRecipient(yubi, allow)
		var notAllowed *crypto.PluginNotAllowedError
		if !errors.As(err, &notAllowed) {
			t.Fatalf("allow-list %q: error = %v, want *PluginNotAllowedError", allow, err)
		}
		if notAllowed.Name != "yubikey" {
			t.Errorf("Name = %q, want yubikey", notAllowed.Name)
		}
		if !strings.Contains(err.Error(), `"yubikey"`) {
			t.Errorf("error %q does not name the plugin", err)
		}
	}
}

// A recipient is one key: text after it on further lines must not be
// skipped over, or swap which key is stored.
func TestNormalizeRecipientOneLine(t *testing.T) {
	k := testSSHKeys()
	for _, tc := range []struct{ name, in string }{
		{"age then ssh", fixedRecipient + "\n" + k.ed25519Pub},
		{"broken ssh line then another key", "ssh-ed25519 AAAAbroken\n" + k.rsaPub},
		{"two ssh keys", k.ed25519Pub + "\n" + k.rsaPub},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := crypto.NormalizeRecipient(tc.in, nil)
			if err == nil {
				t.Errorf("NormalizeRecipient accepted multi-line input as %q", got)
			}
		})
	}
}

func TestIsPostQuantum(t *testing.T) {
	pq := mustGenerate(t, false).Recipient()
	for in, want := range map[string]bool{
		pq:                   true,
		fixedRecipient:       false,
		testSSHKeys().rsaPub: false,
		"":                   false,
		"age1pq1":            true, // a prefix test: NormalizeRecipient validates
		strings.ToUpper(pq):  false,
	} {
		if got := crypto.IsPostQuantum(in); got != want {
			t.Errorf("IsPostQuantum(%.20q) = %v, want %v", in, got, want)
		}
	}
}

func TestCheckMix(t *testing.T) {
	pq1 := mustGenerate(t, false).Recipient()
	pq2 := mustGenerate(t, false).Recipient()
	recipients := map[string]string{
		"alice": pq1,
		"bob":   pq2,
		"carol": fixedRecipient,
		"ci":    testSSHKeys().ed25519Pub,
	}
	for _, tc := range []struct {
		name        string
		members     []string
		pq, classic []string
	}{
		{name: "none"},
		{name: "all post-quantum", members: []string{"alice", "bob"}},
		{name: "all classic", members: []string{"carol", "ci"}},
		{name: "one", members: []string{"carol"}},
		{name: "mixed", members: []string{"alice", "carol", "bob", "ci"}, pq: []string{"alice", "bob"}, classic: []string{"carol", "ci"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := crypto.CheckMix(tc.members, recipients)
			if tc.pq == nil {
				if err != nil {
					t.Fatalf("CheckMix = %v, want nil", err)
				}
				return
			}
			var mixed *crypto.MixedRecipientsError
			if !errors.As(err, &mixed) {
				t.Fatalf("CheckMix = %v, want *MixedRecipientsError", err)
			}
			if strings.Join(mixed.PostQuantum, ",") != strings.Join(tc.pq, ",") || strings.Join(mixed.Classic, ",") != strings.Join(tc.classic, ",") {
				t.Errorf("MixedRecipientsError = %q / %q, want %q / %q", mixed.PostQuantum, mixed.Classic, tc.pq, tc.classic)
			}
			for _, m := range append(tc.pq, tc.classic...) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
		})
	}
}
