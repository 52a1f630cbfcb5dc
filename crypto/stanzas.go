package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// CountStanzas returns how many recipient stanzas the header of an armored
// age file holds, leaving out tresor's read key stanza (see ReadKey). An
// age X25519, post-quantum hybrid, ssh-ed25519 or ssh-rsa recipient gets
// exactly one, so a file tresor wrote holds one per reader. The header is
// public: anyone can compare the count with the readers a secret's header
// and the policy name, without a key, and see a file that was also
// encrypted to a key no rule names. (An age plugin may wrap a file key
// into several stanzas: files with plugin readers cannot be judged so.)
func CountStanzas(armored []byte) (int, error) {
	var r io.Reader
	if bin, ok := dearmor(armored); ok {
		r = bytes.NewReader(bin)
	} else {
		r = armor.NewReader(bytes.NewReader(armored))
	}
	hdr, err := age.ExtractHeader(r)
	if err != nil {
		return 0, err
	}
	// age hands every stanza to each identity in turn; one that opens
	// none makes it report the stanza types it saw.
	_, err = age.DecryptHeader(hdr, opensNothing{})
	var seen *age.NoIdentityMatchError
	if !errors.As(err, &seen) {
		return 0, fmt.Errorf("reading the age header: %v", err)
	}
	n := 0
	for _, t := range seen.StanzaTypes {
		if t != readKeyStanza {
			n++
		}
	}
	return n, nil
}

// opensNothing is an age identity that unwraps no stanza.
type opensNothing struct{}

func (opensNothing) Unwrap([]*age.Stanza) ([]byte, error) { return nil, age.ErrIncorrectIdentity }
