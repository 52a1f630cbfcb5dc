package format

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
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
	Tresor      string    `yaml:"tresor"`
	Name        string    `yaml:"name"`
	Env         string    `yaml:"env,omitempty"`
	Description string    `yaml:"description,omitempty"`
	Version     int       `yaml:"version"`
	Created     time.Time `yaml:"created"`
	Updated     time.Time `yaml:"updated"`
	Readers     Names     `yaml:"readers"`
	Rotation    *Rotation `yaml:"rotation,omitempty"`
}

// Rotation is the optional rotation metadata of a secret.
type Rotation struct {
	Every     Duration   `yaml:"every,omitempty"`
	Rotated   time.Time  `yaml:"rotated,omitempty"`
	Expires   time.Time  `yaml:"expires,omitempty"`
	Generator *Generator `yaml:"generator,omitempty"`
	Exposed   string     `yaml:"exposed,omitempty"`
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
	return &SecretFile{Header: h, HeaderBytes: encodeYAML(&h)}, nil
}

// Marshal returns the file's bytes.
func (s *SecretFile) Marshal() []byte {
	out := make([]byte, 0, len(s.HeaderBytes)+len(headerEnd)+len(s.Armored))
	out = append(out, s.HeaderBytes...)
	out = append(out, headerEnd...)
	return append(out, s.Armored...)
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
	if err := checkTag(headerBytes, SecretTag, "secret file"); err != nil {
		return nil, err
	}
	var h SecretHeader
	if err := decodeCanonical(headerBytes, &h); err != nil {
		return nil, fmt.Errorf("secret header: %w", err)
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(armored, []byte(ArmorBegin)) || !bytes.HasSuffix(armored, []byte(ArmorEnd)) {
		return nil, errors.New("secret file body is not an armored age file")
	}
	return &SecretFile{Header: h, HeaderBytes: headerBytes, Armored: armored}, nil
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
		if !r.Rotated.IsZero() && !isUTCSecond(r.Rotated) || !r.Expires.IsZero() && !isUTCSecond(r.Expires) {
			return errors.New("rotation times must be UTC with whole seconds")
		}
		if err := ValidateDescription(r.Exposed); err != nil {
			return err
		}
		if g := r.Generator; g != nil {
			if _, err := ParseGenerator(g.String()); err != nil {
				return err
			}
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

// MarshalYAML writes the generator on one line: {kind: password, length: 32, charset: alnum}.
func (g *Generator) MarshalYAML() (any, error) {
	return flowMapping("kind", scalar("password"), "length", intNode(g.Length), "charset", scalar(g.Charset)), nil
}

// UnmarshalYAML reads what MarshalYAML writes.
func (g *Generator) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Kind    string `yaml:"kind"`
		Length  int    `yaml:"length"`
		Charset string `yaml:"charset"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	if raw.Kind != "password" {
		return errors.New("generator kind must be password")
	}
	parsed, err := ParseGenerator(fmt.Sprintf("%d:%s", raw.Length, raw.Charset))
	if err != nil {
		return err
	}
	*g = parsed
	return nil
}

func intNode(i int) *yaml.Node {
	n := &yaml.Node{}
	n.SetString(fmt.Sprint(i))
	n.Tag = "!!int"
	return n
}
