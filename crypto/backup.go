package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"filippo.io/age/armor"
)

// Backing an identity up and bringing it to another machine: `tresor
// identity export` writes the identity as age's identity file format, and
// `tresor identity import` checks such a file (or a passphrase-protected
// one) and stores it in the OS keyring or in an identity file.
//
// Only age keys (X25519 and post-quantum) travel this way: tresor holds
// their whole secret. An ssh key is used as the file it is, and a plugin
// identity only points at a key that lives with the plugin (a hardware
// token): for them the user backs up the original, and tresor says so.

// NotExportableError says that an identity's secret is not tresor's to
// copy: an ssh key or an age plugin identity.
type NotExportableError struct{ Kind Kind }

func (e *NotExportableError) Error() string {
	switch e.Kind {
	case KindPlugin:
		return "an age plugin identity is not tresor's to copy: its private key lives with the plugin"
	}
	return "an ssh key is not tresor's to copy: tresor reads the ssh key file as it is"
}

// ExportText returns the identity in age's identity file format (comments
// with its public parts, then the key), which age -i, tresor --identity and
// tresor identity import all read.
func ExportText(id *Identity) (string, error) {
	if id.text == "" {
		return "", &NotExportableError{Kind: id.kind}
	}
	return id.FileText(), nil
}

// An Import is an identity read to be stored on this machine.
type Import struct {
	*Identity
	// Protected says the text was passphrase-protected (an age file
	// encrypted with age -p); Given is the text as it came.
	Protected bool
	Given     []byte
}

// ParseImport checks that text is an identity tresor can store: an age key
// (X25519 or post-quantum), bare or in an identity file, or such a file
// encrypted with a passphrase, which opts.Passphrase is asked for. ssh keys
// and plugin identities are NotExportableError: they are used where they
// are (--identity, TRESOR_IDENTITY_FILE, ~/.ssh/id_ed25519). Errors never
// include the text.
func ParseImport(text []byte, opts ParseOptions) (*Import, error) {
	opts.Plugins = nil
	if t := bytes.TrimSpace(text); bytes.HasPrefix(t, []byte("-----BEGIN ")) && !bytes.HasPrefix(t, []byte(armor.Header)) {
		// An ssh private key (PEM or OpenSSH): refused before its
		// passphrase is asked for.
		return nil, &NotExportableError{Kind: KindSSHEd25519}
	}
	id, err := ParseIdentity(text, opts)
	var plugin *PluginNotAllowedError
	switch {
	case errors.As(err, &plugin):
		return nil, &NotExportableError{Kind: KindPlugin}
	case err != nil:
		return nil, err
	case id.text == "":
		return nil, &NotExportableError{Kind: id.kind}
	}
	return &Import{Identity: id, Protected: isProtected(text), Given: bytes.Clone(text)}, nil
}

// isProtected reports whether identity text is an age-encrypted file (as
// ParseIdentity tells them apart).
func isProtected(text []byte) bool {
	t := bytes.TrimSpace(text)
	return bytes.HasPrefix(t, []byte("age-encryption.org/")) || bytes.HasPrefix(t, []byte(armor.Header))
}

// ExistingIdentityError says that a place already holds another identity,
// which storing would destroy. Recipient is the other identity's public
// key, or "" when it cannot be read without a passphrase (or at all).
type ExistingIdentityError struct{ Where, Recipient string }

func (e *ExistingIdentityError) Error() string {
	if e.Recipient == "" {
		return e.Where + " already holds an identity that could not be compared with this one"
	}
	return fmt.Sprintf("%s already holds another identity (%s)", e.Where, ShortRecipient(e.Recipient))
}

// ShortRecipient is a recipient cut to its first 20 characters, for
// messages that name an identity.
func ShortRecipient(r string) string {
	if len(r) > 24 {
		return r[:20] + "…"
	}
	return r
}

// StoreInKeyring puts the identity's key into the keyring. When the
// keyring already holds an identity it must be this one (then nothing is
// written and same is true) unless replace is set.
func StoreInKeyring(kr Keyring, id *Identity, replace bool) (same bool, err error) {
	if id.text == "" {
		return false, &NotExportableError{Kind: id.kind}
	}
	old, err := kr.Get()
	switch {
	case errors.Is(err, ErrAbsent):
	case err != nil:
		return false, err
	default:
		if other := recipientOf([]byte(old)); other == id.recipient {
			return true, nil
		} else if !replace {
			return false, &ExistingIdentityError{Where: "the OS keyring", Recipient: other}
		}
	}
	return false, kr.Set(id.text)
}

// StoreInFile writes an identity file, 0600, atomically, making its
// directory (0700) when needed. content is what the file is to hold. A file
// already there must hold this identity (then it is left as it is and same
// is true) unless replace is set.
func StoreInFile(path string, content []byte, id *Identity, replace bool) (same bool, err error) {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("reading %s: %w", path, errors.Unwrap(err))
	case bytes.Equal(old, content):
		return true, nil
	default:
		if other := recipientOf(old); other != "" && other == id.recipient {
			return true, nil
		} else if !replace {
			return false, &ExistingIdentityError{Where: path, Recipient: other}
		}
	}
	return false, WriteKeyFile(path, content, replace)
}

// recipientOf returns the recipient of identity text, or "" when it does
// not parse without asking anything.
func recipientOf(text []byte) string {
	id, err := ParseIdentity(text, ParseOptions{})
	if err != nil {
		return ""
	}
	return id.recipient
}

// WriteKeyFile writes private key material to path, readable by its owner
// only. Without replace an existing file is an error (fs.ErrExist) and is
// never touched; with it the file is replaced whole (a temporary file in
// the same directory, synced, then renamed over it), so that a crash
// leaves the old key or the new one, never half of one. The directory is
// made 0700 when it does not exist.
func WriteKeyFile(path string, content []byte, replace bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, errors.Unwrap(err))
	}
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("creating %s: %w", path, errors.Unwrap(err))
		}
		if err := writeSyncClose(f, content); err != nil {
			os.Remove(path)
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // 0600
	if err != nil {
		return fmt.Errorf("creating a file in %s: %w", dir, errors.Unwrap(err))
	}
	tmp := f.Name()
	if err := writeSyncClose(f, content); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	// Close, then rename: Windows does not rename open files.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replacing %s: %w", path, errors.Unwrap(err))
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename itself survives a crash; not possible everywhere
		d.Close()
	}
	return nil
}

func writeSyncClose(f *os.File, content []byte) error {
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
