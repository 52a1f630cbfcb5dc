package vault

import (
	"bytes"
	"errors"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// The diff and merge drivers of .tresor/.gitattributes get secret files from
// git, often versions that are in no journal the clone has verified (old
// commits, the other branch of a merge). They decrypt them through the same
// checked path as reads (the payload must bind the header), but what they
// learn is for display and for deciding whether git may call a merge clean:
// nothing they read is trusted for anything else, and no read key they see
// is remembered.

// ErrNotReader is returned by DecryptForDisplay for a file that has no
// recipient stanza for the identity.
var ErrNotReader = errors.New("not a reader")

// DecryptForDisplay parses a secret file git handed a driver and decrypts it
// with id. It returns the parsed file even when decryption fails
// (ErrNotReader when the identity is not among its recipients).
func DecryptForDisplay(b []byte, id *crypto.Identity) (*format.SecretFile, []byte, error) {
	sf, err := format.ParseSecret(b)
	if err != nil {
		return nil, nil, err
	}
	if id == nil {
		return sf, nil, ErrNotReader
	}
	v := &Vault{identity: id} // no read key ring: nothing is learned
	value, err := v.decryptSecret(sf, [32]byte{}, nil)
	if errors.Is(err, crypto.ErrNotRecipient) {
		return sf, nil, ErrNotReader
	}
	return sf, value, err
}

// A SecretMerge is what the merge driver decided for one secret file.
type SecretMerge struct {
	// Name is the secret's name ("" when no side's header could be read).
	Name string
	// Result is the merged file; it is always one side's bytes, never a mix.
	Result []byte
	// Clean is true when git may record the merge without a conflict.
	Clean bool
	// Why says, for a conflict or a clean merge the journal still sees as
	// concurrent writes, what happened.
	Why string
	// NeedsResolve is true when the journal will hold concurrent versions
	// of Name after the merge, which tresor resolve settles.
	NeedsResolve bool
}

// MergeSecretFiles merges three versions of a secret file (base, ours,
// theirs, as git's merge driver gets them). It never writes conflict
// markers: a merge that cannot be decided keeps ours and is not clean.
// Both branches writing the same value (re-encrypted, or with another
// header) is clean for git, and ours stands until tresor resolve records
// which version does; id may be nil (no value is compared then).
func MergeSecretFiles(base, ours, theirs []byte, id *crypto.Identity) SecretMerge {
	m := SecretMerge{Result: ours}
	switch {
	case bytes.Equal(ours, theirs), bytes.Equal(base, theirs):
		m.Clean = true
	case bytes.Equal(base, ours):
		m.Result, m.Clean = theirs, true
	}
	so, vo, erro := DecryptForDisplay(ours, id)
	st, vt, errt := DecryptForDisplay(theirs, id)
	if so != nil {
		m.Name = so.Header.Name
	} else if st != nil {
		m.Name = st.Header.Name
	}
	if m.Clean {
		return m
	}
	switch {
	case so == nil || st == nil:
		m.Why = "one side is not a valid secret file"
	case so.Header.Name != st.Header.Name:
		m.Why = "the two sides are files of different secrets (" + so.Header.Name + " and " + st.Header.Name + ")"
	case erro == nil && errt == nil && bytes.Equal(vo, vt):
		m.Clean, m.NeedsResolve = true, true
		m.Why = "both branches wrote the same value"
	case errors.Is(erro, ErrNotReader) || errors.Is(errt, ErrNotReader):
		m.Why = "both branches changed it, and you cannot read both versions to compare their values"
		m.NeedsResolve = true
	case erro != nil || errt != nil:
		m.Why = "a version does not decrypt: " + firstErr(erro, errt).Error()
	default:
		m.Why = "both branches changed its value"
		m.NeedsResolve = true
	}
	return m
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
