package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Errors Decrypt returns, for callers to branch on.
var (
	// ErrNotRecipient: the identity is not among the file's recipients.
	ErrNotRecipient = errors.New("this identity is not a reader of the secret")
	// ErrTampered: the ciphertext or its header failed authentication.
	ErrTampered = errors.New("ciphertext failed authentication: the file was modified or corrupted")
)

// A Sealer encrypts to recipient strings.
type Sealer struct {
	// Plugins is the allow-list of age plugins that may run (the signed
	// policy's): a recipient of any other plugin is refused.
	Plugins []string
	// UI is how plugins talk to the user; nil shows nothing and refuses
	// their requests.
	UI *PluginUI
}

// Encrypt encrypts plaintext to the recipients and returns armored age text.
func (s Sealer) Encrypt(recipients []string, plaintext []byte) ([]byte, error) {
	return s.encrypt(recipients, plaintext, nil)
}

// EncryptWithReadKey is Encrypt that also wraps the file key under the read
// key (see ReadKey), when a read key can join these recipients; the caller
// puts the read key in the plaintext's envelope.
func (s Sealer) EncryptWithReadKey(recipients []string, plaintext []byte, rk ReadKey) ([]byte, error) {
	return s.encrypt(recipients, plaintext, &rk)
}

func (s Sealer) encrypt(recipients []string, plaintext []byte, rk *ReadKey) ([]byte, error) {
	if len(recipients) == 0 {
		return nil, errors.New("no readers to encrypt to")
	}
	rs := make([]age.Recipient, 0, len(recipients)+1)
	for _, r := range recipients {
		parsed, err := parseRecipient(r, s.Plugins, s.UI)
		if err != nil {
			return nil, err
		}
		rs = append(rs, parsed)
	}
	if rk != nil {
		labels, ok := readKeyLabels(recipients)
		if !ok {
			return nil, errors.New("a read key cannot join these recipients")
		}
		rs = append(rs, readKeyRecipient{rk: *rk, labels: labels})
	}
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rs...)
	if err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("encrypting: %w", err)
	}
	return buf.Bytes(), nil
}

// Decrypt decrypts armored age text with the identity. It returns
// ErrNotRecipient when the identity has no stanza in the file, a
// *PluginError when the identity's plugin fails, and ErrTampered when
// authentication fails. maxSize bounds the plaintext.
func Decrypt(armored []byte, id *Identity, maxSize int) ([]byte, error) {
	return decryptWith(armored, id.ages, maxSize)
}

func decryptWith(armored []byte, ids []age.Identity, maxSize int) ([]byte, error) {
	if out, err := decryptOneChunk(armored, ids, maxSize); !errors.Is(err, errNotOneChunk) {
		return out, err
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(armored)), ids...)
	if err != nil {
		return nil, headerError(err)
	}
	out, err := io.ReadAll(io.LimitReader(r, int64(maxSize)+1))
	if err != nil {
		return nil, ErrTampered
	}
	if len(out) > maxSize {
		return nil, errors.New("decrypted value is larger than the limit")
	}
	return out, nil
}

func armorOrBinary(r *bytes.Reader, b []byte) io.Reader {
	if bytes.HasPrefix(b, []byte(armor.Header)) {
		return armor.NewReader(r)
	}
	return r
}
