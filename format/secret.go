package format

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SecretTag is the first line of every secret file.
const SecretTag = "secret/v1"

// Armor markers of an age-encrypted body. format checks the shape only;
// crypto decodes it.
const (
	ArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----\n"
	ArmorEnd   = "-----END AGE ENCRYPTED FILE-----\n"
)

// headerEnd separates the YAML header from the armored body.
const headerEnd = "---\n"

// MaxSecretFileSize bounds what ParseSecret reads: a 1 MiB value armored
// (4/3) plus age overhead and a header fits well below it.
const MaxSecretFileSize = 2 << 20

// A SecretHeader is the reviewable, plain part of a secret file.
type SecretHeader struct {
	Tresor      string
	Name        string
	Env         string
	Description string
	Version     int
	Created     time.Time
	Updated     time.Time
	Readers     Names
	Rotation    *Rotation
}

// Rotation is the optional rotation metadata of a secret.
type Rotation struct {
	Every     Duration
	Rotated   time.Time
	Expires   time.Time
	Generator *Generator
	// Rotator names a rotator of the signed policy's settings: never a
	// command.
	Rotator string
	// Exposed says why the current value may be known to someone who is
	// no longer a reader; rotation clears it.
	Exposed string
	// Pending is when a two-phase rotation began: the payload holds the
	// new value beside the current one until the rotator succeeds.
	Pending time.Time
}

// A SecretFile is a parsed secret file: its header, the exact header bytes
// the payload envelope binds, and the armored age ciphertext.
type SecretFile struct {
	Header      SecretHeader
	HeaderBytes []byte
	Armored     []byte
}

// NewSecretFile builds the canonical header bytes for h. The caller
// encrypts a payload bound to HeaderBytes and then sets Armored.
func NewSecretFile(h SecretHeader) (*SecretFile, error) {
	h.Tresor = SecretTag
	if err := h.validate(); err != nil {
		return nil, err
	}
	return &SecretFile{Header: h, HeaderBytes: h.marshal()}, nil
}

// Marshal returns the file's bytes.
func (s *SecretFile) Marshal() []byte {
	out := make([]byte, 0, len(s.HeaderBytes)+len(headerEnd)+len(s.Armored))
	out = append(out, s.HeaderBytes...)
	out = append(out, headerEnd...)
	return append(out, s.Armored...)
}

// The header has a fixed layout (see scalar.go), read on every exec:
//
//	tresor: secret/v1
//	name: prod/db/password
//	env: DATABASE_PASSWORD          (optional)
//	description: "primary postgres" (optional)
//	version: 3
//	created: 2026-11-25T18:40:00Z
//	updated: 2026-11-25T18:40:00Z
//	readers: [ops-lead, ci-prod]
//	rotation:                       (optional; each field optional, in this order)
//	  every: 90d
//	  rotated: 2026-11-25T18:40:00Z
//	  expires: 2027-01-01T00:00:00Z
//	  generator: {kind: password, length: 32, charset: alnum}
//	  rotator: pg-app
//	  exposed: "member dev-laptop removed 2026-12-01"
//	  pending: 2026-11-25T18:40:00Z   (a two-phase rotation in progress)
func (h *SecretHeader) marshal() []byte {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("tresor: " + SecretTag + "\n")
	b.WriteString("name: " + yamlScalar(h.Name) + "\n")
	if h.Env != "" {
		b.WriteString("env: " + yamlScalar(h.Env) + "\n")
	}
	if h.Description != "" {
		b.WriteString("description: " + yamlScalar(h.Description) + "\n")
	}
	b.WriteString("version: " + strconv.Itoa(h.Version) + "\n")
	b.WriteString("created: " + h.Created.Format(time.RFC3339) + "\n")
	b.WriteString("updated: " + h.Updated.Format(time.RFC3339) + "\n")
	b.WriteString("readers: " + flowList(h.Readers) + "\n")
	if r := h.Rotation; r != nil && !r.empty() {
		b.WriteString("rotation:\n")
		if r.Every != "" {
			b.WriteString("  every: " + string(r.Every) + "\n")
		}
		if !r.Rotated.IsZero() {
			b.WriteString("  rotated: " + r.Rotated.Format(time.RFC3339) + "\n")
		}
		if !r.Expires.IsZero() {
			b.WriteString("  expires: " + r.Expires.Format(time.RFC3339) + "\n")
		}
		if g := r.Generator; g != nil {
			b.WriteString("  generator: " + g.mapping() + "\n")
		}
		if r.Rotator != "" {
			b.WriteString("  rotator: " + r.Rotator + "\n")
		}
		if r.Exposed != "" {
			b.WriteString("  exposed: " + yamlScalar(r.Exposed) + "\n")
		}
		if !r.Pending.IsZero() {
			b.WriteString("  pending: " + r.Pending.Format(time.RFC3339) + "\n")
		}
	}
	return []byte(b.String())
}

func (r *Rotation) empty() bool {
	return r.Every == "" && r.Rotated.IsZero() && r.Expires.IsZero() && r.Generator == nil && r.Rotator == "" && r.Exposed == "" && r.Pending.IsZero()
}

// ParseSecret parses a secret file.
func ParseSecret(b []byte) (*SecretFile, error) {
	if len(b) > MaxSecretFileSize {
		return nil, errors.New("secret file is larger than 2 MiB")
	}
	i := bytes.Index(b, []byte("\n"+headerEnd))
	if i < 0 {
		return nil, errors.New("secret file has no '---' line between header and ciphertext")
	}
	headerBytes, armored := b[:i+1], b[i+1+len(headerEnd):]
	h, err := parseSecretHeader(string(headerBytes))
	if errors.Is(err, ErrUnknownVersion) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("secret header: %w: %v", ErrNotCanonical, err)
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(armored, []byte(ArmorBegin)) || !bytes.HasSuffix(armored, []byte(ArmorEnd)) {
		return nil, errors.New("secret file body is not an armored age file")
	}
	// The parser accepts only what marshal writes, field by field, so the
	// header bytes are canonical without marshaling again. FuzzParseSecret
	// holds it to that.
	return &SecretFile{Header: *h, HeaderBytes: headerBytes, Armored: armored}, nil
}

func parseSecretHeader(s string) (*SecretHeader, error) {
	l := &docLines{lines: strings.Split(strings.TrimSuffix(s, "\n"), "\n")}
	tag, err := l.need("tresor")
	if err != nil {
		return nil, err
	}
	if tag != SecretTag {
		return nil, fmt.Errorf("%w: secret file says %q, this tresor reads %q", ErrUnknownVersion, truncate(tag), SecretTag)
	}
	h := &SecretHeader{Tresor: SecretTag}
	v, err := l.need("name")
	if err != nil {
		return nil, err
	}
	if h.Name, err = parseScalar(v); err != nil {
		return nil, fmt.Errorf("name: %w", err)
	}
	if v, ok := l.field("env"); ok {
		if h.Env, err = parseScalar(v); err != nil || h.Env == "" {
			return nil, errors.New("env: bad value")
		}
	}
	if v, ok := l.field("description"); ok {
		if h.Description, err = parseScalar(v); err != nil || h.Description == "" {
			return nil, errors.New("description: bad value")
		}
	}
	if v, err = l.need("version"); err != nil {
		return nil, err
	}
	if h.Version, err = parseCount(v); err != nil {
		return nil, fmt.Errorf("version: %w", err)
	}
	if h.Created, err = parseTimeField(l, "created"); err != nil {
		return nil, err
	}
	if h.Updated, err = parseTimeField(l, "updated"); err != nil {
		return nil, err
	}
	if v, err = l.need("readers"); err != nil {
		return nil, err
	}
	if h.Readers, err = parseFlowList(v); err != nil {
		return nil, fmt.Errorf("readers: %w", err)
	}
	if line, ok := l.peek(); ok && line == "rotation:" {
		l.i++
		r := &Rotation{}
		if v, ok := l.field("  every"); ok {
			if _, err := ParseDuration(v); err != nil {
				return nil, fmt.Errorf("every: %w", err)
			}
			r.Every = Duration(v)
		}
		if _, ok := l.peekField("  rotated"); ok {
			if r.Rotated, err = parseTimeField(l, "  rotated"); err != nil {
				return nil, err
			}
		}
		if _, ok := l.peekField("  expires"); ok {
			if r.Expires, err = parseTimeField(l, "  expires"); err != nil {
				return nil, err
			}
		}
		if v, ok := l.field("  generator"); ok {
			g, err := parseGeneratorMapping(v)
			if err != nil {
				return nil, err
			}
			r.Generator = g
		}
		if v, ok := l.field("  rotator"); ok {
			if ValidateMemberName(v) != nil {
				return nil, errors.New("rotator: bad name")
			}
			r.Rotator = v
		}
		if v, ok := l.field("  exposed"); ok {
			if r.Exposed, err = parseScalar(v); err != nil || r.Exposed == "" {
				return nil, errors.New("exposed: bad value")
			}
		}
		if _, ok := l.peekField("  pending"); ok {
			if r.Pending, err = parseTimeField(l, "  pending"); err != nil {
				return nil, err
			}
		}
		if r.empty() {
			return nil, errors.New("rotation: empty")
		}
		h.Rotation = r
	}
	if line, ok := l.peek(); ok {
		return nil, fmt.Errorf("line %d: unexpected %q", l.i+1, truncate(line))
	}
	return h, nil
}

func parseTimeField(l *docLines, key string) (time.Time, error) {
	v, err := l.need(key)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil || t.Format(time.RFC3339) != v || !isUTCSecond(t) {
		return time.Time{}, fmt.Errorf("%s: not an RFC 3339 UTC time in whole seconds", strings.TrimSpace(key))
	}
	return t, nil
}

// ErrUnknownVersion is wrapped when a file names a format tresor doesn't know.
var ErrUnknownVersion = errors.New("unknown format version")

func (h *SecretHeader) validate() error {
	if err := ValidateName(h.Name); err != nil {
		return err
	}
	if h.Env != "" && !ValidEnvName(h.Env) {
		return fmt.Errorf("env %q is not a valid environment variable name", h.Env)
	}
	if err := ValidateDescription(h.Description); err != nil {
		return err
	}
	if h.Version < 1 {
		return errors.New("secret version must be at least 1")
	}
	if !isUTCSecond(h.Created) || !isUTCSecond(h.Updated) {
		return errors.New("secret times must be UTC with whole seconds")
	}
	if !slices.IsSorted(h.Readers) || len(slices.Compact(slices.Clone(h.Readers))) != len(h.Readers) {
		return errors.New("secret readers must be sorted and unique")
	}
	for _, r := range h.Readers {
		if err := ValidateMemberName(r); err != nil {
			return err
		}
	}
	if r := h.Rotation; r != nil {
		if r.Every != "" {
			if _, err := ParseDuration(string(r.Every)); err != nil {
				return err
			}
		}
		if !r.Rotated.IsZero() && !isUTCSecond(r.Rotated) || !r.Expires.IsZero() && !isUTCSecond(r.Expires) || !r.Pending.IsZero() && !isUTCSecond(r.Pending) {
			return errors.New("rotation times must be UTC with whole seconds")
		}
		if err := ValidateDescription(r.Exposed); err != nil {
			return err
		}
		if g := r.Generator; g != nil {
			if err := g.Check(); err != nil {
				return err
			}
		}
		if r.Rotator != "" && ValidateMemberName(r.Rotator) != nil {
			return fmt.Errorf("rotator %q is not a valid name", r.Rotator)
		}
	}
	return nil
}

// ValidateDescription accepts one line of printable UTF-8, at most 200 bytes.
func ValidateDescription(s string) error {
	if len(s) > 200 || !utf8.ValidString(s) {
		return errors.New("descriptions are one line of at most 200 bytes of UTF-8")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return errors.New("descriptions are one line of at most 200 bytes of UTF-8")
		}
	}
	return nil
}

// ValidEnvName reports whether s is a portable environment variable name.
func ValidEnvName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isUTCSecond(t time.Time) bool {
	return t.Location() == time.UTC && t.Nanosecond() == 0 && t.Year() >= 2000 && t.Year() < 10000
}

// Names is a list of member names, written in flow style: [a, b].
type Names []string

// MarshalYAML writes the list on one line.
func (n Names) MarshalYAML() (any, error) { return flowSequence(n), nil }
