package vault

import (
	"errors"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A file encrypted to one key more than its readers: alice, a writer of
// shared/**, seals shared/x to its readers (alice, bob) and to mallory's
// key, which no rule names; the header and the signed entry list only
// alice and bob, so the journal, the header and the policy agree. mallory
// can read every version written so, and no review of the repository
// shows it. The stanzas are public (crypto.CountStanzas): verify, or a
// read, must refuse a file that has more than its readers.
func TestFileWithARecipientBeyondItsReaders(t *testing.T) {
	dir, v, alice, bob := sharedVault(t)
	defer v.Close()
	mallory := mustIdentity(t)
	var file []byte
	err := v.withLock(func() error {
		h := format.SecretHeader{Name: "shared/x", Version: 1, Created: v.timeNow(), Updated: v.timeNow(), Readers: format.Names{"alice", "bob"}}
		sf, err := format.NewSecretFile(h)
		if err != nil {
			return err
		}
		sf.Armored, err = v.sealer.Encrypt([]string{alice.Recipient(), bob.Recipient(), mallory.Recipient()},
			format.MarshalPayload(crypto.HashHex(sf.HeaderBytes), []byte("value")))
		if err != nil {
			return err
		}
		file = sf.Marshal()
		_, err = v.commit("alice", change{
			Entry: format.Entry{Action: format.ActionSet, Target: "shared/x", File: crypto.FileHash(file),
				Details: &format.Details{Version: 1, Readers: h.Readers}},
			Files: []fileChange{{Rel: secretPath("shared/x"), Data: file}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sf, err := format.ParseSecret(file)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := crypto.CountStanzas(sf.Armored); err != nil || n != 3 {
		t.Fatalf("the file's stanzas: %d, %v; want 3 (one more than its 2 readers)", n, err)
	}
	if value, err := crypto.Decrypt(sf.Armored, mallory, 1<<20); err != nil || string(value) == "" {
		t.Fatalf("mallory cannot open the file (%v): the test does not show what it means to", err)
	}

	rep := verifyFresh(t, dir)
	refusedByVerify := false
	for _, f := range rep.Findings {
		if f.File == secretPath("shared/x") && !f.Conflict && !f.Stray {
			refusedByVerify = true
		}
	}
	r, err := Open(dir, Options{Identity: bob})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, _, readErr := r.Get("shared/x")
	if !refusedByVerify && !errors.Is(readErr, ErrVerify) {
		t.Fatalf("a file with a stanza beyond its readers is accepted: verify findings %v, bob's read: %v", rep.Findings, readErr)
	}
}
