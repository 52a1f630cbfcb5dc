package crypto

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

// IsPostQuantum reports whether a recipient is an age hybrid (ML-KEM +
// X25519) recipient. age refuses to mix these with classic recipients in
// one file, because that would silently lose the post-quantum protection.
func IsPostQuantum(recipient string) bool { return strings.HasPrefix(recipient, "age1pq1") }

// NormalizeRecipient checks a recipient string and returns the form tresor
// stores: age recipients as they are, ssh keys without their comment.
// plugins is the vault's allow-list of age plugin names.
func NormalizeRecipient(s string, plugins []string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("a recipient is one line")
	}
	switch {
	case strings.HasPrefix(s, "ssh-"):
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
		if err != nil {
			return "", errors.New("malformed ssh public key")
		}
		if k.Type() != ssh.KeyAlgoED25519 && k.Type() != ssh.KeyAlgoRSA {
			return "", fmt.Errorf("ssh key type %s is not supported: use ssh-ed25519 or ssh-rsa", k.Type())
		}
		return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))), nil
	case IsPostQuantum(s):
		if _, err := age.ParseHybridRecipient(s); err != nil {
			return "", errors.New("malformed age post-quantum recipient")
		}
	case strings.HasPrefix(s, "age1"):
		if _, err := age.ParseX25519Recipient(s); err == nil {
			return s, nil
		}
		name, _, err := plugin.ParseRecipient(s)
		if err != nil {
			return "", errors.New("malformed age recipient")
		}
		if !slices.Contains(plugins, name) {
			return "", &PluginNotAllowedError{Name: name}
		}
	default:
		return "", errors.New("unknown recipient type: expected age1…, age1pq1…, ssh-ed25519 or ssh-rsa")
	}
	return s, nil
}

// PluginNotAllowedError is returned for a plugin recipient or identity whose
// plugin is not on the vault's allow-list (the caller's Plugins). Plugins
// are programs tresor would run, so only those the vault names may run.
type PluginNotAllowedError struct{ Name string }

func (e *PluginNotAllowedError) Error() string {
	return fmt.Sprintf("age plugin %q is not on the vault's plugin allow-list", e.Name)
}

// parseRecipient turns a normalized recipient into an age.Recipient.
func parseRecipient(s string, plugins []string, ui *PluginUI) (age.Recipient, error) {
	r, err := nativeRecipient(s)
	if !errors.Is(err, errNotNative) {
		return r, err
	}
	if !strings.HasPrefix(s, "age1") {
		return nil, errors.New("unknown recipient type")
	}
	name, _, err := plugin.ParseRecipient(s)
	if err != nil {
		return nil, errors.New("malformed age recipient")
	}
	if !slices.Contains(plugins, name) {
		return nil, &PluginNotAllowedError{Name: name}
	}
	return plugin.NewRecipient(s, ui.clientUI())
}

// MixedRecipientsError names the members whose recipients mix post-quantum
// and classic keys.
type MixedRecipientsError struct{ PostQuantum, Classic []string }

func (e *MixedRecipientsError) Error() string {
	return fmt.Sprintf("readers mix post-quantum (%s) and classic (%s) keys, which age refuses to combine",
		strings.Join(e.PostQuantum, ", "), strings.Join(e.Classic, ", "))
}

// CheckMix returns a *MixedRecipientsError if the named recipients mix
// post-quantum and classic keys. recipients maps member name to recipient.
func CheckMix(members []string, recipients map[string]string) error {
	var pq, classic []string
	for _, m := range members {
		if IsPostQuantum(recipients[m]) {
			pq = append(pq, m)
		} else {
			classic = append(classic, m)
		}
	}
	if len(pq) > 0 && len(classic) > 0 {
		return &MixedRecipientsError{PostQuantum: pq, Classic: classic}
	}
	return nil
}

// KindOfRecipient says what kind of key a (normalized) recipient is.
func KindOfRecipient(recipient string) Kind {
	switch {
	case IsPostQuantum(recipient):
		return KindHybrid
	case strings.HasPrefix(recipient, "ssh-ed25519 "):
		return KindSSHEd25519
	case strings.HasPrefix(recipient, "ssh-rsa "):
		return KindSSHRSA
	}
	if r, err := nativeRecipient(recipient); err == nil {
		if _, ok := r.(*x25519Wrapper); ok {
			return KindX25519
		}
	}
	return KindPlugin
}
