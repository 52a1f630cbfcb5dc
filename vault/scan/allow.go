package scan

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/tresor-dev/tresor/vault"
)

// AllowFileName is the vault file, relative to the vault directory, that
// lists the findings tresor scan lets through, by fingerprint.
const AllowFileName = vault.ScanAllowFileName

// MaxAllowFileSize bounds scan-allow.yaml.
const MaxAllowFileSize = 1 << 20

// An AllowList is scan-allow.yaml:
//
//	allow:
//	  - fingerprint: 0f1e2d3c4b5a69788796
//	    reason: a test fixture
type AllowList struct {
	Allow []Allowance `yaml:"allow"`
}

// An Allowance lets one finding through.
type Allowance struct {
	Fingerprint string `yaml:"fingerprint"`
	Reason      string `yaml:"reason,omitempty"`
}

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{20}$`)

// ParseAllowList parses scan-allow.yaml: a mapping with one key, allow, a
// list of fingerprints (20 lowercase hex digits) with optional reasons.
// Unknown fields, and more than one document, are errors: a typo must not
// silently allow nothing (or everything).
func ParseAllowList(b []byte) (*AllowList, error) {
	if len(b) > MaxAllowFileSize {
		return nil, errors.New(AllowFileName + " is larger than 1 MiB")
	}
	l := &AllowList{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(l); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return nil, fmt.Errorf("%s: malformed YAML: %v", AllowFileName, firstLine(err.Error()))
	}
	var more yaml.Node
	if err := dec.Decode(&more); err == nil {
		return nil, fmt.Errorf("%s holds more than one YAML document", AllowFileName)
	}
	for i, a := range l.Allow {
		if !fingerprintPattern.MatchString(a.Fingerprint) {
			return nil, fmt.Errorf("%s: entry %d: a fingerprint is 20 lowercase hex digits, as tresor scan prints it", AllowFileName, i+1)
		}
	}
	return l, nil
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Allows reports whether the list lets a finding with fingerprint fp through.
func (l *AllowList) Allows(fp string) bool {
	if l == nil {
		return false
	}
	for _, a := range l.Allow {
		if a.Fingerprint == fp {
			return true
		}
	}
	return false
}

// Fingerprint is a finding's name in scan-allow.yaml: HMAC-SHA256 keyed with
// the vault's id (so the same finding has another fingerprint in another
// vault) of the file, the kind, what matched and the form, and, for a
// pattern, the matched text. A finding of a secret's value is fingerprinted
// without the value (it allows that secret in that file, in that form): a
// committed file never holds a hash of a secret value, which a reader of the
// repository could test guesses against. The line is left out, so that an
// allowance survives edits above it.
func Fingerprint(vaultID string, f Finding, matched []byte) string {
	m := hmac.New(sha256.New, []byte("tresor scan-allow v1 "+vaultID))
	for _, s := range []string{f.File, f.Kind, f.What, f.Form} {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	if f.Kind == KindPattern {
		m.Write(matched)
	}
	return hex.EncodeToString(m.Sum(nil)[:10])
}
