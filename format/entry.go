package format

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
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
	ActionMeta      = "secret.meta"
	ActionRemove    = "secret.rm"
	ActionMove      = "secret.mv"
	ActionResolve   = "secret.resolve"
	ActionPolicy    = "policy.set"
	ActionReencrypt = "reencrypt"
)

var knownActions = []string{ActionInit, ActionSet, ActionRotate, ActionMeta, ActionRemove, ActionMove, ActionResolve, ActionPolicy, ActionReencrypt}

// An Entry is one signed change in the journal. It carries names, hashes,
// member names, versions and the (public) policy, never secret material.
type Entry struct {
	Seq     int
	Parents Names
	Time    time.Time
	Actor   string
	Action  string
	Target  string
	File    string
	Details *Details
}

// Details are the small, action-specific facts of an entry.
type Details struct {
	Vault   string            // vault.init: the vault id
	Version int               // secret writes: the new version
	From    string            // secret.mv: the old name
	Readers Names             // secret writes: who can read the new file
	Change  string            // policy.set: what changed, for people
	Files   map[string]string // reencrypt: name → sha256:<hex> of each new file
	Policy  string            // vault.init, policy.set: the whole new policy.yaml
}

func (d *Details) policyLen() string {
	if d == nil {
		return ""
	}
	return d.Policy
}

func (d *Details) empty() bool {
	return d == nil || d.Vault == "" && d.Version == 0 && d.From == "" && len(d.Readers) == 0 &&
		d.Change == "" && len(d.Files) == 0 && d.Policy == ""
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

// The journal is read whole on every verify, so entries have a fixed layout
// written and read by hand: a YAML document in a canonical form that a
// general YAML parser reads the same way, at a small fraction of its cost.
//
//	tresor: journal/v1
//	seq: 42
//	parents: [<hex>, …]
//	time: 2026-11-25T18:40:00Z
//	actor: ops-lead
//	action: secret.set
//	target: prod/db/password        (optional)
//	file: sha256:<hex>              (optional)
//	details:                        (optional; each field optional, in this order)
//	  vault: <hex>
//	  version: 3
//	  from: old/name
//	  readers: [a, b]
//	  change: add member bob
//	  files:
//	    name: sha256:<hex>          (sorted by name)
//	  policy: |
//	    <policy.yaml, indented by four spaces>
//	signature: ed25519:<base64>

// MarshalUnsigned returns the bytes to sign for e.
func (e *Entry) MarshalUnsigned() ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(512 + len(e.Details.policyLen()))
	b.WriteString("tresor: " + EntryTag + "\n")
	b.WriteString("seq: " + strconv.Itoa(e.Seq) + "\n")
	b.WriteString("parents: " + quotedList(e.Parents) + "\n")
	b.WriteString("time: " + e.Time.Format(time.RFC3339) + "\n")
	b.WriteString("actor: " + yamlScalar(e.Actor) + "\n")
	b.WriteString("action: " + e.Action + "\n")
	if e.Target != "" {
		b.WriteString("target: " + yamlScalar(e.Target) + "\n")
	}
	if e.File != "" {
		b.WriteString("file: " + e.File + "\n")
	}
	if d := e.Details; !d.empty() {
		b.WriteString("details:\n")
		if d.Vault != "" {
			b.WriteString("  vault: " + d.Vault + "\n")
		}
		if d.Version != 0 {
			b.WriteString("  version: " + strconv.Itoa(d.Version) + "\n")
		}
		if d.From != "" {
			b.WriteString("  from: " + yamlScalar(d.From) + "\n")
		}
		if len(d.Readers) > 0 {
			b.WriteString("  readers: " + flowList(d.Readers) + "\n")
		}
		if d.Change != "" {
			b.WriteString("  change: " + yamlScalar(d.Change) + "\n")
		}
		if len(d.Files) > 0 {
			b.WriteString("  files:\n")
			names := make([]string, 0, len(d.Files))
			for n := range d.Files {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				b.WriteString("    " + yamlScalar(n) + ": " + d.Files[n] + "\n")
			}
		}
		if d.Policy != "" {
			b.WriteString("  policy: |\n")
			for _, line := range strings.SplitAfter(strings.TrimSuffix(d.Policy, "\n"), "\n") {
				b.WriteString("    " + line)
			}
			b.WriteString("\n")
		}
	}
	return []byte(b.String()), nil
}

// Marshal returns the whole entry file.
func (s *SignedEntry) Marshal() []byte {
	out := slices.Clip(slices.Clone(s.Signed))
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
	i := bytes.LastIndexByte(b[:len(b)-1], '\n')
	if i < 0 || !bytes.HasPrefix(b[i+1:], []byte(signaturePrefix)) {
		return nil, errors.New("journal entry has no signature line at the end")
	}
	signed := b[:i+1]
	sig := string(b[i+1+len(signaturePrefix) : len(b)-1])
	if raw, ok := strings.CutPrefix(sig, "ed25519:"); !ok || len(raw) != 88 || !isStdBase64(raw) {
		return nil, errors.New("journal entry signature is not ed25519:<base64 of 64 bytes>")
	}
	e, err := parseEntryBody(string(signed))
	if errors.Is(err, ErrUnknownVersion) {
		return nil, fmt.Errorf("journal entry: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("journal entry: %w: %v", ErrNotCanonical, err)
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	// The parser accepts only what MarshalUnsigned writes, field by field,
	// so Marshal(Parse(b)) == b without marshaling again: the journal is
	// read whole on every verify. FuzzParseEntry holds it to that.
	return &SignedEntry{Entry: *e, Signed: signed, Signature: sig}, nil
}

func parseEntryBody(s string) (*Entry, error) {
	l := &docLines{lines: strings.Split(strings.TrimSuffix(s, "\n"), "\n")}
	tag, err := l.need("tresor")
	if err != nil {
		return nil, err
	}
	if tag != EntryTag {
		return nil, fmt.Errorf("%w: says %q, this tresor reads %q", ErrUnknownVersion, truncate(tag), EntryTag)
	}
	e := &Entry{}
	v, err := l.need("seq")
	if err != nil {
		return nil, err
	}
	if e.Seq, err = parseCount(v); err != nil {
		return nil, fmt.Errorf("seq: %w", err)
	}
	if v, err = l.need("parents"); err != nil {
		return nil, err
	}
	if e.Parents, err = parseQuotedList(v); err != nil {
		return nil, fmt.Errorf("parents: %w", err)
	}
	if v, err = l.need("time"); err != nil {
		return nil, err
	}
	if e.Time, err = time.Parse(time.RFC3339, v); err != nil || e.Time.Format(time.RFC3339) != v {
		return nil, errors.New("time is not an RFC 3339 UTC time in whole seconds")
	}
	if v, err = l.need("actor"); err != nil {
		return nil, err
	}
	if e.Actor, err = parseScalar(v); err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	if e.Action, err = l.need("action"); err != nil {
		return nil, err
	}
	if v, ok := l.field("target"); ok {
		if e.Target, err = parseScalar(v); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
	}
	if v, ok := l.field("file"); ok {
		if !isFileHash(v) {
			return nil, errors.New("file: expected sha256:<hex>")
		}
		e.File = v
	}
	if line, ok := l.peek(); ok && line == "details:" {
		l.i++
		if e.Details, err = parseDetails(l); err != nil {
			return nil, fmt.Errorf("details: %w", err)
		}
	}
	if line, ok := l.peek(); ok {
		return nil, fmt.Errorf("line %d: unexpected %q", l.i+1, truncate(line))
	}
	return e, nil
}

func parseDetails(l *docLines) (*Details, error) {
	d := &Details{}
	var err error
	if v, ok := l.field("  vault"); ok {
		if len(v) != 32 || !isLowerHex([]byte(v)) {
			return nil, errors.New("vault: expected 32 hex digits")
		}
		d.Vault = v
	}
	if v, ok := l.field("  version"); ok {
		if d.Version, err = parseCount(v); err != nil {
			return nil, fmt.Errorf("version: %w", err)
		}
	}
	if v, ok := l.field("  from"); ok {
		if d.From, err = parseScalar(v); err != nil {
			return nil, fmt.Errorf("from: %w", err)
		}
	}
	if v, ok := l.field("  readers"); ok {
		if d.Readers, err = parseFlowList(v); err != nil || len(d.Readers) == 0 {
			return nil, errors.New("readers: expected a non-empty [ … ]")
		}
	}
	if v, ok := l.field("  change"); ok {
		if d.Change, err = parseScalar(v); err != nil {
			return nil, fmt.Errorf("change: %w", err)
		}
	}
	if line, ok := l.peek(); ok && line == "  files:" {
		l.i++
		d.Files = map[string]string{}
		last := ""
		for {
			line, ok := l.peek()
			if !ok || !strings.HasPrefix(line, "    ") {
				break
			}
			l.i++
			k, h, found := strings.Cut(line[4:], ": ")
			if !found || !isFileHash(h) {
				return nil, errors.New("files: expected name: sha256:<hex>")
			}
			name, err := parseScalar(k)
			if err != nil {
				return nil, fmt.Errorf("files: %w", err)
			}
			if name <= last && len(d.Files) > 0 {
				return nil, errors.New("files: names must be sorted and unique")
			}
			last = name
			d.Files[name] = h
		}
	}
	if line, ok := l.peek(); ok && line == "  policy: |" {
		l.i++
		var b strings.Builder
		for {
			line, ok := l.peek()
			if !ok || !strings.HasPrefix(line, "    ") {
				break
			}
			l.i++
			b.WriteString(line[4:] + "\n")
		}
		d.Policy = b.String()
		if d.Policy == "" {
			return nil, errors.New("policy: empty")
		}
	}
	if d.empty() {
		return nil, errors.New("empty details")
	}
	return d, nil
}

func (e *Entry) validate() error {
	if e.Seq < 1 {
		return errors.New("journal entry seq must be at least 1")
	}
	if !slices.Contains(knownActions, e.Action) {
		return fmt.Errorf("journal entry has unknown action %q", truncate(e.Action))
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
			return errors.New("journal entry target is not a secret name or prefix")
		}
	}
	if e.File != "" && !isFileHash(e.File) {
		return errors.New("journal entry file must be sha256:<hex>")
	}
	if d := e.Details; d != nil {
		if d.Vault != "" && (len(d.Vault) != 32 || !isLowerHex([]byte(d.Vault))) {
			return errors.New("journal entry vault must be 32 hex digits")
		}
		if d.Version < 0 {
			return errors.New("journal entry version must be positive")
		}
		for name, h := range d.Files {
			if ValidateName(name) != nil || !isFileHash(h) {
				return errors.New("journal entry files must map secret names to sha256:<hex>")
			}
		}
		if d.From != "" && ValidateName(d.From) != nil {
			return errors.New("journal entry from is not a secret name")
		}
		if err := checkSortedUnique(d.Readers, "journal entry readers"); err != nil {
			return err
		}
		for _, r := range d.Readers {
			if err := ValidateMemberName(r); err != nil {
				return fmt.Errorf("journal entry readers: %w", err)
			}
		}
		if err := ValidateDescription(d.Change); err != nil {
			return err
		}
		if d.Policy != "" {
			if _, err := ParsePolicy([]byte(d.Policy)); err != nil {
				return fmt.Errorf("journal entry policy: %w", err)
			}
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
	if len(hash) < 16 {
		panic("format: EntryFileName needs a full hash")
	}
	return fmt.Sprintf("%08d-%s.entry", seq, hash[:16])
}

// ParseEntryFileName splits a journal file name into seq and hash prefix.
func ParseEntryFileName(name string) (seq int, hashPrefix string, ok bool) {
	base, found := strings.CutSuffix(name, ".entry")
	if !found || len(base) < 8+1+16 || base[len(base)-17] != '-' {
		return 0, "", false
	}
	digits := base[:len(base)-17]
	if len(digits) < 8 || len(digits) > 12 || (len(digits) > 8 && digits[0] == '0') {
		return 0, "", false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, "", false
		}
		seq = seq*10 + int(digits[i]-'0')
	}
	if seq < 1 {
		return 0, "", false
	}
	hashPrefix = base[len(base)-16:]
	if !isLowerHex([]byte(hashPrefix)) || EntryFileName(seq, hashPrefix+strings.Repeat("0", 48)) != name {
		return 0, "", false
	}
	return seq, hashPrefix, true
}
