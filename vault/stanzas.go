package vault

import (
	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// checkStanzas refuses a secret file encrypted to more (or fewer) keys
// than the readers its header names. The header, its journal entry and the
// policy can all agree while the ciphertext also carries a stanza for a key
// no rule names: anyone holding that key reads the value. The stanzas are
// public, so verification checks every file it records, without a key
// (exec's early opens on a fresh clone check the files whose hashes they
// hand to it); reads then check only that a file is one verification
// recorded. Each age X25519, post-quantum, ssh-ed25519 and ssh-rsa
// recipient gets one stanza; files with an age plugin reader (which may
// use several) are judged by their readers' count only when none is a
// plugin.
func checkStanzas(name string, sf *format.SecretFile, p *format.Policy) error {
	for _, r := range sf.Header.Readers {
		if m, ok := p.Members[r]; ok && crypto.KindOfRecipient(m.Recipient) == crypto.KindPlugin {
			return nil
		}
	}
	n, err := crypto.CountStanzas(sf.Armored)
	if err != nil {
		return wrapProblem(ErrVerify, err, "restore it with git, or run tresor verify", "secret %s", name)
	}
	switch {
	case n > len(sf.Header.Readers):
		return problemf(ErrVerify, "a writer re-encrypts it (tresor reencrypt --force), then rotates the value: the extra key may have read it",
			"secret %s is encrypted to %d keys, but its header names %d readers: it was also encrypted to a key no rule names", name, n, len(sf.Header.Readers))
	case n < len(sf.Header.Readers):
		return problemf(ErrVerify, "restore it with git, or run tresor verify",
			"secret %s is encrypted to %d keys, but its header names %d readers: its ciphertext was made for other readers (copied from another secret?)", name, n, len(sf.Header.Readers))
	}
	return nil
}
