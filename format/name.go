// Package format parses and serializes every file tresor keeps on disk:
// secret files, the payload envelope, journal entries, the policy and
// vault.yaml, plus secret names, durations and generator specs.
//
// It does no I/O, reads no clock and uses no randomness: bytes in, structs
// out, and back. Every parser accepts only the canonical form its marshaller
// writes, so Marshal(Parse(b)) == b or Parse rejects b.
package format

import (
	"errors"
	"fmt"
	"strings"
)

// Limits on secret names. Names are paths joined by '/'.
const (
	MaxNameLength = 200
	MaxNameDepth  = 8
)

// ErrBadName is wrapped by every name validation error.
var ErrBadName = errors.New("bad secret name")

// ValidateName reports whether name is a valid secret name: segments of
// [A-Za-z0-9_.-], none starting with '.', joined by '/', at most 8 deep and
// 200 bytes.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrBadName)
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%w: longer than %d bytes", ErrBadName, MaxNameLength)
	}
	segments := strings.Split(name, "/")
	if len(segments) > MaxNameDepth {
		return fmt.Errorf("%w: deeper than %d segments", ErrBadName, MaxNameDepth)
	}
	for _, s := range segments {
		if s == "" {
			return fmt.Errorf("%w: empty segment (leading, trailing or double '/')", ErrBadName)
		}
		if s[0] == '.' {
			return fmt.Errorf("%w: segment starts with '.'", ErrBadName)
		}
		for i := 0; i < len(s); i++ {
			if !isNameByte(s[i]) {
				// Don't echo the byte: names may be mistyped values.
				return fmt.Errorf("%w: only letters, digits, '_', '.' and '-' are allowed in a segment", ErrBadName)
			}
		}
	}
	return nil
}

// ValidatePrefix accepts "" (everything) or a name, optionally ending in '/'.
func ValidatePrefix(prefix string) error {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return nil
	}
	return ValidateName(p)
}

// FoldName is the key under which names that differ only by case collide.
func FoldName(name string) string { return strings.ToLower(name) }

// HasPrefix reports whether name lies under prefix, matching whole segments:
// "prod/" and "prod" both cover "prod/db" but not "production".
func HasPrefix(name, prefix string) bool {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return true
	}
	return name == p || strings.HasPrefix(name, p+"/")
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-'
}

// ValidateMemberName checks a member or group name: a non-empty identifier of
// [a-z0-9_-] starting with a letter or digit, at most 64 bytes.
func ValidateMemberName(name string) error {
	if name == "" || len(name) > 64 {
		return errors.New("member and group names are 1 to 64 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_'))
		if !ok {
			return fmt.Errorf("member and group names use lowercase letters, digits, '-' and '_', starting with a letter or digit: %q", name)
		}
	}
	return nil
}
