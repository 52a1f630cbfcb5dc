package format

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EntryTag is the first line of every journal entry.
const EntryTag = "journal/v1"

// Journal actions.
const (
	ActionInit      = "vault.init"
	ActionSet       = "secret.set"
	ActionRotate    = "secret.rotate"
	ActionRemove    = "secret.rm"
	ActionMove      = "secret.mv"
	ActionResolve   = "secret.resolve"
	ActionPolicy    = "policy.set"
	ActionReencrypt = "reencrypt"
)

var knownActions = []string{ActionInit, ActionSet, ActionRotate, ActionRemove, ActionMove, ActionResolve, ActionPolicy, ActionReencrypt}

// An Entry is one signed change in the journal. It carries names, hashes,
// member names and versions, never secret material.
type Entry struct {
	Tresor  string    `yaml:"tresor"`
	Seq     int       `yaml:"seq"`
	Parents Names     `yaml:"parents"`
	Time    time.Time `yaml:"time"`
	Actor   string    `yaml:"actor"`
	Action  string    `yaml:"action"`
	Target  string    `yaml:"target,omitempty"`
	File    string    `yaml:"file,omitempty"`
	Details *Details  `yaml:"details,omitempty"`
}

// Details are the small, action-specific facts of an entry.
type Details struct {
	Vault   string            `yaml:"vault,omitempty"`   // vault.init: the vault id
	Version int               `yaml:"version,omitempty"` // secret.set|rotate|mv|resolve: the new version
	From    string            `yaml:"from,omitempty"`    // secret.mv: the old name
	Readers Names             `yaml:"readers,omitempty"` // secret writes: who can read the new file
	Change  string            `yaml:"change,omitempty"`  // policy.set: what changed, for people
	Files   map[string]string `yaml:"files,omitempty"`   // reencrypt: name → sha256:<hex> of each new file
}

// A SignedEntry is an entry with its signature and the exact bytes that
// were signed (everything before the signature line).
type SignedEntry struct {
	Entry
	Signed    []byte
	Signature string // "ed25519:<base64>"
}

const signaturePrefix = "signature: "

// MaxEntrySize bounds a journal entry (a reencrypt of many files is big).
const MaxEntrySize = 16 << 20

// MarshalUnsigned returns the bytes to sign for e.
func (e *Entry) MarshalUnsigned() ([]byte, error) {
	c := *e
	c.Tresor = EntryTag
	if err := c.validate(); err != nil {
		return nil, err
	}
	return encodeYAML(&c), nil
}

// Marshal returns the whole entry file.
func (s *SignedEntry) Marshal() []byte {
	out := slices.Clone(s.Signed)
	out = append(out, signaturePrefix...)
	out = append(out, s.Signature...)
	return append(out, '\n')
}

// ParseEntry parses a journal entry file. It checks the shape of the
// signature, not its validity: that needs the policy and is the journal's
// job.
func ParseEntry(b []byte) (*SignedEntry, error) {
	if len(b) > MaxEntrySize {
		return nil, errors.New("journal entry is larger than 16 MiB")
	}
	if !bytes.HasSuffix(b, []byte("\n")) {
		return nil, errors.New("journal entry does not end with a newline")
	}
	i := bytes.LastIndex(b[:len(b)-1], []byte("\n"))
	if i < 0 || !bytes.HasPrefix(b[i+1:], []byte(signaturePrefix)) {
		return nil, errors.New("journal entry has no signature line at the end")
	}
	signed := b[:i+1]
	sig := string(b[i+1+len(signaturePrefix) : len(b)-1])
	if !strings.HasPrefix(sig, "ed25519:") || strings.ContainsAny(sig, " \r\t") {
		return nil, errors.New("journal entry signature is not ed25519:<base64>")
	}
	var e Entry
	if err := decodeCanonical(signed, &e); err != nil {
		return nil, fmt.Errorf("journal entry: %w", err)
	}
	if e.Tresor != EntryTag {
		return nil, fmt.Errorf("%w: journal entry says %q, this tresor reads %q", ErrUnknownVersion, e.Tresor, EntryTag)
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return &SignedEntry{Entry: e, Signed: signed, Signature: sig}, nil
}

func (e *Entry) validate() error {
	if e.Seq < 1 {
		return errors.New("journal entry seq must be at least 1")
	}
	if !slices.Contains(knownActions, e.Action) {
		return fmt.Errorf("journal entry has unknown action %q", e.Action)
	}
	if (e.Action == ActionInit) != (len(e.Parents) == 0) {
		return errors.New("only the vault.init entry has no parents")
	}
	if err := checkSortedUnique(e.Parents, "journal entry parents"); err != nil {
		return err
	}
	for _, p := range e.Parents {
		if !IsHash(p) {
			return errors.New("journal entry parents must be sha256 hex hashes")
		}
	}
	if !isUTCSecond(e.Time) {
		return errors.New("journal entry time must be UTC with whole seconds")
	}
	if err := ValidateMemberName(e.Actor); err != nil {
		return fmt.Errorf("journal entry actor: %w", err)
	}
	if e.Target != "" {
		if err := ValidatePrefix(e.Target); err != nil {
			return fmt.Errorf("journal entry target: %w", err)
		}
	}
	if e.File != "" && !isFileHash(e.File) {
		return errors.New("journal entry file must be sha256:<hex>")
	}
	if d := e.Details; d != nil {
		for name, h := range d.Files {
			if ValidateName(name) != nil || !isFileHash(h) {
				return errors.New("journal entry files must map secret names to sha256:<hex>")
			}
		}
		if d.From != "" && ValidateName(d.From) != nil {
			return errors.New("journal entry from is not a secret name")
		}
		if err := ValidateDescription(d.Change); err != nil {
			return err
		}
	}
	return nil
}

func isFileHash(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	return ok && IsHash(h)
}

// EntryFileName is the journal file name of an entry with the given seq and
// hash (hex of the SHA-256 of the whole file).
func EntryFileName(seq int, hash string) string {
	return fmt.Sprintf("%08d-%s.entry", seq, hash[:16])
}

// ParseEntryFileName splits a journal file name into seq and hash prefix.
func ParseEntryFileName(name string) (seq int, hashPrefix string, ok bool) {
	base, found := strings.CutSuffix(name, ".entry")
	if !found || len(base) != 8+1+16 || base[8] != '-' {
		return 0, "", false
	}
	for i := 0; i < 8; i++ {
		if base[i] < '0' || base[i] > '9' {
			return 0, "", false
		}
		seq = seq*10 + int(base[i]-'0')
	}
	if !isLowerHex([]byte(base[9:])) {
		return 0, "", false
	}
	return seq, base[9:], true
}
