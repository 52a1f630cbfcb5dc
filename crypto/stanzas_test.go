package crypto_test

import (
	"bytes"
	"strings"
	"testing"

	"filippo.io/age/armor"

	"github.com/tresor-dev/tresor/crypto"
)

func TestCountStanzas(t *testing.T) {
	classic := func() string { id, _ := crypto.Generate(true); return id.Recipient() }
	pq := func() string { id, _ := crypto.Generate(false); return id.Recipient() }
	k := testSSHKeys()
	tests := []struct {
		name       string
		recipients []string
		readKey    bool
	}{
		{"one X25519 reader", []string{classic()}, false},
		{"three X25519 readers", []string{classic(), classic(), classic()}, false},
		{"two post-quantum readers", []string{pq(), pq()}, false},
		{"ssh-ed25519, ssh-rsa and X25519 readers", []string{k.ed25519Pub, k.rsaPub, classic()}, false},
		{"a read key is no reader", []string{classic(), classic()}, true},
		{"one more X25519 key than readers", []string{classic(), classic(), fixedRecipient}, false},
	}
	for _, tt := range tests {
		var file []byte
		var err error
		if tt.readKey {
			file, err = crypto.Sealer{}.EncryptWithReadKey(tt.recipients, []byte("v"), crypto.NewReadKey())
		} else {
			file, err = crypto.Sealer{}.Encrypt(tt.recipients, []byte("v"))
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.readKey && !bytes.Contains(dearmorForTest(t, file), []byte("-> tresor-readkey ")) {
			t.Fatalf("%s: the file has no read key stanza", tt.name)
		}
		n, err := crypto.CountStanzas(file)
		if err != nil || n != len(tt.recipients) {
			t.Errorf("%s: CountStanzas = %d, %v; want %d", tt.name, n, err, len(tt.recipients))
		}
	}
	for _, bad := range []string{"", "not age", armor.Header + "\n", "age-encryption.org/v1\n-> X25519 AAAA\n"} {
		if n, err := crypto.CountStanzas([]byte(bad)); err == nil {
			t.Errorf("CountStanzas(%q) = %d, want an error", bad, n)
		}
	}
}

// FuzzCountStanzas: CountStanzas never panics, and a file in armor that
// age's reader takes but that is not in the canonical form (line ends,
// spacing) counts as the canonical form does.
func FuzzCountStanzas(f *testing.F) {
	one, err := crypto.Sealer{}.Encrypt([]string{fixedRecipient}, []byte("v"))
	if err != nil {
		f.Fatal(err)
	}
	id, _ := crypto.Generate(true)
	two, err := crypto.Sealer{}.EncryptWithReadKey([]string{fixedRecipient, id.Recipient()}, []byte("v"), crypto.NewReadKey())
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{one, two, []byte(armor.Header + "\n"), []byte("age-encryption.org/v1\n")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		n, err := crypto.CountStanzas(file)
		if err != nil {
			return
		}
		crlf := bytes.ReplaceAll(file, []byte("\n"), []byte("\r\n"))
		if !bytes.Contains(file, []byte("\r")) && strings.HasPrefix(string(file), armor.Header) {
			if m, err := crypto.CountStanzas(crlf); err != nil || m != n {
				t.Fatalf("with CRLF line ends: %d, %v; LF: %d", m, err, n)
			}
		}
	})
}
