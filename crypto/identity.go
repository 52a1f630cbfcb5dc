package crypto

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

// Kind says what sort of key an identity is.
type Kind string

// Identity kinds.
const (
	KindX25519     Kind = "age X25519"
	KindHybrid     Kind = "age post-quantum (ML-KEM-768 + X25519)"
	KindSSHEd25519 Kind = "ssh-ed25519"
	KindSSHRSA     Kind = "ssh-rsa"
	KindPlugin     Kind = "age plugin"
)

// Short is the kind in a few words, for tables.
func (k Kind) Short() string {
	if k == KindHybrid {
		return "age post-quantum"
	}
	return string(k)
}

// An Identity is what a member holds: it decrypts the secrets encrypted to
// its recipient and, when it can, signs journal entries.
type Identity struct {
	kind      Kind
	ages      []age.Identity
	recipient string
	// signer returns the signing key; nil when this kind cannot sign. It
	// is derived on first use: deriving it computes a public key, and the
	// first ed25519 base point multiplication in a process builds tables
	// that cost over a millisecond, which commands that only read skip.
	signer func() ed25519.PrivateKey
	text   string // canonical secret text, for age keys only
	// cacheSecret is private key material the file key cache is sealed
	// under; empty for plugins.
	cacheSecret []byte
}

// Kind returns the identity's kind.
func (id *Identity) Kind() Kind { return id.kind }

// Recipient returns the public recipient string secrets are encrypted to.
// It is empty for a plugin identity whose file did not say its recipient.
func (id *Identity) Recipient() string { return id.recipient }

// Parallel reports whether the identity may decrypt several files at once.
// Plugin identities (hardware tokens) answer one request at a time.
func (id *Identity) Parallel() bool { return id.kind != KindPlugin }

// CanSign reports whether the identity has a signing key.
func (id *Identity) CanSign() bool { return id.signer != nil }

// Signer returns the public signing key as "ed25519:<base64>", or "" when
// the identity cannot sign. ssh-ed25519 identities sign with themselves; the
// policy records no separate signer for them, so Signer returns "" too, and
// SignerOf derives it from the recipient.
func (id *Identity) Signer() string {
	if id.signer == nil || id.kind == KindSSHEd25519 {
		return ""
	}
	return EncodeSigner(id.signer().Public().(ed25519.PublicKey))
}

// SignerKey returns the public signing key, or nil.
func (id *Identity) SignerKey() ed25519.PublicKey {
	if id.signer == nil {
		return nil
	}
	return id.signer().Public().(ed25519.PublicKey)
}

// Sign signs msg with the identity's signing key.
func (id *Identity) Sign(msg []byte) (string, error) {
	if id.signer == nil {
		return "", fmt.Errorf("a %s identity cannot sign journal entries", id.kind)
	}
	return Sign(id.signer(), msg), nil
}

// Card is the short text a member hands to an admin: the recipient and,
// when it is separate, the signer, separated by a space.
func (id *Identity) Card() string {
	if s := id.Signer(); s != "" {
		return id.recipient + " " + s
	}
	return id.recipient
}

// ParseCard splits a card into recipient and signer. The signer is the last
// space-separated field when it starts with "ed25519:".
func ParseCard(card string) (recipient, signer string) {
	card = strings.TrimSpace(card)
	if i := strings.LastIndexByte(card, ' '); i > 0 && strings.HasPrefix(card[i+1:], "ed25519:") {
		return strings.TrimSpace(card[:i]), card[i+1:]
	}
	return card, ""
}

// SecretText returns the identity's private key text as age prints it, for
// storing it. Only age keys made or parsed from text have one.
func (id *Identity) SecretText() string { return id.text }

// FileText is what an identity file holds: comments with the public parts,
// then the key.
func (id *Identity) FileText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# tresor identity (%s)\n", id.kind)
	fmt.Fprintf(&b, "# public key: %s\n", id.recipient)
	if s := id.Signer(); s != "" {
		fmt.Fprintf(&b, "# signer: %s\n", s)
	}
	b.WriteString(id.text + "\n")
	return b.String()
}

// Generate makes a new post-quantum hybrid identity, or an X25519 one when
// classic is set.
func Generate(classic bool) (*Identity, error) {
	var text string
	if classic {
		k, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		text = k.String()
	} else {
		k, err := age.GenerateHybridIdentity()
		if err != nil {
			return nil, err
		}
		text = k.String()
	}
	return ParseIdentity([]byte(text), ParseOptions{})
}

// ParseOptions are what parsing an identity may need besides its text.
type ParseOptions struct {
	// Passphrase is asked for passphrase-protected identity files. When nil,
	// such files fail with ErrPassphraseNeeded.
	Passphrase func() ([]byte, error)
	// Plugins is the vault's allow-list of age plugin names.
	Plugins []string
	// PluginUI lets a plugin identity talk to the user; nil shows nothing
	// and refuses its requests.
	PluginUI *PluginUI
}

// ErrPassphraseNeeded is returned for a protected identity when no
// passphrase can be asked for.
var ErrPassphraseNeeded = errors.New("the identity is passphrase-protected and no passphrase can be asked for (stdin is not a terminal)")

// ErrBadPassphrase is returned when the passphrase does not open the identity.
var ErrBadPassphrase = errors.New("wrong passphrase for the identity")

// ParseIdentity parses identity text: an age key (with optional comment
// lines), an age-encrypted (passphrase-protected) age key file, an OpenSSH
// or PEM ssh private key, or an age plugin identity.
//
// Errors never include the input: it is private key material, and callers
// print these errors.
func ParseIdentity(text []byte, opts ParseOptions) (*Identity, error) {
	trimmed := bytes.TrimSpace(text)
	switch {
	case bytes.HasPrefix(trimmed, []byte("age-encryption.org/")) || bytes.HasPrefix(trimmed, []byte(armor.Header)):
		// Binary age files end in a random tag byte, which may look like
		// whitespace: trim only the front.
		return parseProtected(bytes.TrimLeft(text, " \t\r\n"), opts)
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN ")):
		return parseSSH(trimmed, opts)
	}
	var key, recipientComment string
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if c, ok := strings.CutPrefix(line, "#"); ok {
			c = strings.TrimSpace(c)
			for _, p := range []string{"public key:", "recipient:"} {
				if r, ok := strings.CutPrefix(c, p); ok {
					recipientComment = strings.TrimSpace(r)
				}
			}
			continue
		}
		if key != "" {
			return nil, errors.New("the identity holds more than one key; tresor uses exactly one")
		}
		key = line
	}
	if sc.Err() != nil {
		return nil, errors.New("the identity is not text")
	}
	switch {
	case key == "":
		return nil, errors.New("the identity holds no key")
	case strings.HasPrefix(key, "AGE-SECRET-KEY-PQ-1"):
		k, err := age.ParseHybridIdentity(key)
		if err != nil {
			return nil, errors.New("malformed age post-quantum identity")
		}
		return ageIdentity(KindHybrid, k, k.Recipient().String(), k.String()), nil
	case strings.HasPrefix(key, "AGE-SECRET-KEY-1"):
		k, err := age.ParseX25519Identity(key)
		if err != nil {
			return nil, errors.New("malformed age X25519 identity")
		}
		id := ageIdentity(KindX25519, k, k.Recipient().String(), k.String())
		if _, scalar, err := decodeBech32(k.String()); err == nil && len(scalar) == 32 {
			if fast, err := newX25519Unwrapper(scalar); err == nil {
				id.ages = []age.Identity{fast}
			}
		}
		return id, nil
	case strings.HasPrefix(key, "AGE-PLUGIN-"):
		return parsePlugin(key, recipientComment, opts)
	}
	return nil, errors.New("unknown identity type: expected an age key (AGE-SECRET-KEY-…), an ssh private key or an age plugin identity")
}

func ageIdentity(kind Kind, k age.Identity, recipient, text string) *Identity {
	return &Identity{kind: kind, ages: []age.Identity{k}, recipient: recipient, signer: sync.OnceValue(func() ed25519.PrivateKey { return DeriveSigningKey(text) }), text: text, cacheSecret: []byte(text)}
}

func parsePlugin(key, recipient string, opts ParseOptions) (*Identity, error) {
	name, _, err := plugin.ParseIdentity(key)
	if err != nil {
		return nil, errors.New("malformed age plugin identity")
	}
	if !slices.Contains(opts.Plugins, name) {
		return nil, &PluginNotAllowedError{Name: name}
	}
	k, err := plugin.NewIdentity(key, opts.PluginUI.clientUI())
	if err != nil {
		return nil, errors.New("malformed age plugin identity")
	}
	// Without a "# public key:" comment the recipient is unknown: age's
	// plugin identity can only give a placeholder.
	// Plugin identities live in hardware or elsewhere: no text to derive a
	// signer from, so plugin members read but cannot write.
	return &Identity{kind: KindPlugin, ages: []age.Identity{pluginIdentity{name: name, id: k}}, recipient: recipient}, nil
}

func parseSSH(pemBytes []byte, opts ParseOptions) (*Identity, error) {
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if opts.Passphrase == nil {
			return nil, ErrPassphraseNeeded
		}
		pass, perr := opts.Passphrase()
		if perr != nil {
			return nil, perr
		}
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(pemBytes, pass)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, ErrBadPassphrase
		}
	}
	if err != nil {
		return nil, errors.New("malformed ssh private key")
	}
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		return sshEd25519(*k)
	case ed25519.PrivateKey:
		return sshEd25519(k)
	case *rsa.PrivateKey:
		id, err := agessh.NewRSAIdentity(k)
		if err != nil {
			return nil, errors.New("unusable ssh-rsa key")
		}
		pub, err := ssh.NewPublicKey(&k.PublicKey)
		if err != nil {
			return nil, errors.New("unusable ssh-rsa key")
		}
		return &Identity{kind: KindSSHRSA, ages: []age.Identity{id}, recipient: authorizedKey(pub), cacheSecret: x509.MarshalPKCS1PrivateKey(k)}, nil
	}
	return nil, errors.New("unsupported ssh key type: use ed25519 or rsa")
}

func sshEd25519(k ed25519.PrivateKey) (*Identity, error) {
	id, err := agessh.NewEd25519Identity(k)
	if err != nil {
		return nil, errors.New("unusable ssh-ed25519 key")
	}
	pub, err := ssh.NewPublicKey(k.Public())
	if err != nil {
		return nil, errors.New("unusable ssh-ed25519 key")
	}
	return &Identity{kind: KindSSHEd25519, ages: []age.Identity{id}, recipient: authorizedKey(pub), signer: func() ed25519.PrivateKey { return k }, cacheSecret: k.Seed()}, nil
}

func authorizedKey(pub ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// parseProtected opens an identity file encrypted with a passphrase (age
// -p), binary or armored, and parses what is inside.
func parseProtected(b []byte, opts ParseOptions) (*Identity, error) {
	if opts.Passphrase == nil {
		return nil, ErrPassphraseNeeded
	}
	pass, err := opts.Passphrase()
	if err != nil {
		return nil, err
	}
	sid, err := age.NewScryptIdentity(string(pass))
	if err != nil {
		return nil, ErrBadPassphrase
	}
	var src = bytes.NewReader(b)
	var r = armorOrBinary(src, b)
	plain, err := age.Decrypt(r, sid)
	if err != nil {
		return nil, ErrBadPassphrase
	}
	var inner bytes.Buffer
	if _, err := inner.ReadFrom(plain); err != nil {
		return nil, ErrBadPassphrase
	}
	inside := opts
	inside.Passphrase = nil
	return ParseIdentity(inner.Bytes(), inside)
}
