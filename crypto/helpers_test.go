package crypto_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"

	"github.com/tresor-dev/tresor/crypto"
)

// A fixed age X25519 identity (made once with age-keygen), so that values
// derived from it can be pinned.
const (
	fixedIdentity  = "AGE-SECRET-KEY-1G6YVTWVYA4KLXMVZQ444XVKEWDRPCZE3LKTVKEPYHYVTLRNND0DQ6MXQVK"
	fixedRecipient = "age18x44t4dkc9jfxvgyn3nkj5nvtd4ghfztpljcccm5xdwn3tzfuu3qd90w0l"
)

// sshKeys are generated once per test binary: RSA generation is slow.
type sshKeys struct {
	ed25519     ed25519.PrivateKey
	ed25519PEM  []byte // OpenSSH private key
	ed25519Pub  string // authorized_keys line, no comment
	rsa         *rsa.PrivateKey
	rsaPEM      []byte // OpenSSH private key
	rsaPub      string // authorized_keys line, no comment
	otherEd     []byte // a second, unrelated ed25519 key (OpenSSH PEM)
	otherEdPub  string
	ecdsa       *ecdsa.PrivateKey
	ecdsaPubKey string // an authorized_keys line of an ecdsa key
}

var testSSHKeys = sync.OnceValue(func() *sshKeys {
	k := &sshKeys{}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k.ed25519 = ed
	k.ed25519PEM = marshalSSH(ed)
	k.ed25519Pub = authorizedKey(ed.Public())

	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	k.rsa = rk
	k.rsaPEM = marshalSSH(rk)
	k.rsaPub = authorizedKey(&rk.PublicKey)

	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k.otherEd = marshalSSH(other)
	k.otherEdPub = authorizedKey(other.Public())

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	k.ecdsa = ec
	k.ecdsaPubKey = authorizedKey(&ec.PublicKey)
	return k
})

func marshalSSH(key any) []byte {
	block, err := ssh.MarshalPrivateKey(key, "test key")
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(block)
}

func authorizedKey(pub any) string {
	p, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(p)))
}

func mustParse(t *testing.T, text string) *crypto.Identity {
	t.Helper()
	id, err := crypto.ParseIdentity([]byte(text), crypto.ParseOptions{})
	if err != nil {
		t.Fatalf("ParseIdentity: %v", err)
	}
	return id
}

func mustParseBytes(t *testing.T, text []byte) *crypto.Identity {
	t.Helper()
	id, err := crypto.ParseIdentity(text, crypto.ParseOptions{})
	if err != nil {
		t.Fatalf("ParseIdentity: %v", err)
	}
	return id
}

func mustGenerate(t testing.TB, classic bool) *crypto.Identity {
	t.Helper()
	id, err := crypto.Generate(classic)
	if err != nil {
		t.Fatalf("Generate(%v): %v", classic, err)
	}
	return id
}

func mustEncrypt(t *testing.T, plaintext []byte, recipients ...string) []byte {
	t.Helper()
	out, err := crypto.Sealer{}.Encrypt(recipients, plaintext)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return out
}

// flipPayloadByte dearmors an armored age file, flips a bit in its last
// byte (inside the last payload chunk's tag) and armors it again.
func flipPayloadByte(t *testing.T, armored []byte) []byte {
	t.Helper()
	var bin bytes.Buffer
	if _, err := bin.ReadFrom(armor.NewReader(bytes.NewReader(armored))); err != nil {
		t.Fatalf("dearmor: %v", err)
	}
	b := bin.Bytes()
	b[len(b)-1] ^= 0x01
	var out bytes.Buffer
	w := armor.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// pubOf parses an ed25519 signer the way a test expects it to be.
func pubOf(t *testing.T, signer string) ed25519.PublicKey {
	t.Helper()
	pub, err := crypto.ParseSigner(signer)
	if err != nil {
		t.Fatalf("ParseSigner(%q): %v", signer, err)
	}
	return pub
}
