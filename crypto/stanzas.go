package crypto

import (
	"bytes"
	"encoding/base64"
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
		// What tresor and age write: count the stanza lines of the header
		// without age's parser, which costs ten times more (verify counts
		// every file). Anything not laid out exactly as age writes it
		// goes to age's parser below.
		if hdr, _, ok := splitHeader(bin); ok {
			if n, ok := countStanzaLines(hdr); ok {
				return n, nil
			}
		}
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

// countStanzaLines counts the recipient stanzas of an age v1 header (the
// version line up to and including the MAC line), leaving out read key
// stanzas. ok is false unless the header is laid out exactly as age's
// parser requires: a stanza line "-> TYPE ARGS..." of visible ASCII
// arguments, body lines of canonical unpadded base64 of 64 columns ending
// with a shorter one, and "--- " with a 32-byte MAC.
func countStanzaLines(hdr []byte) (n int, ok bool) {
	lines := bytes.Split(hdr, []byte("\n"))
	if len(lines) < 3 || len(lines[len(lines)-1]) != 0 || string(lines[0]) != ageVersionLine[:len(ageVersionLine)-1] {
		return 0, false
	}
	lines = lines[1 : len(lines)-1]
	mac, isMAC := bytes.CutPrefix(lines[len(lines)-1], []byte("--- "))
	if !isMAC || len(mac) != 43 || !isBase64Raw(mac) {
		return 0, false
	}
	if m, err := base64.RawStdEncoding.Strict().DecodeString(string(mac)); err != nil || len(m) != 32 {
		return 0, false
	}
	inBody := false // inside a stanza body that has not ended yet
	for _, l := range lines[:len(lines)-1] {
		if rest, isStanza := bytes.CutPrefix(l, []byte("-> ")); isStanza && !inBody {
			args := bytes.Split(rest, []byte(" "))
			for _, a := range args {
				if len(a) == 0 || !isVisibleASCII(a) {
					return 0, false
				}
			}
			if string(args[0]) != readKeyStanza {
				n++
			}
			inBody = true
			continue
		}
		if !inBody || len(l) > 64 || !isBase64Raw(l) {
			return 0, false
		}
		if _, err := base64.RawStdEncoding.Strict().DecodeString(string(l)); err != nil {
			return 0, false
		}
		inBody = len(l) == 64 // a shorter line ends the body
	}
	return n, !inBody && len(lines) > 1 // age wants at least one stanza
}

func isBase64Raw(b []byte) bool {
	for _, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func isVisibleASCII(b []byte) bool {
	for _, c := range b {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// opensNothing is an age identity that unwraps no stanza.
type opensNothing struct{}

func (opensNothing) Unwrap([]*age.Stanza) ([]byte, error) { return nil, age.ErrIncorrectIdentity }
