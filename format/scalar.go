package format

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The journal entry and the secret header are written and read by hand in
// a fixed layout: YAML documents in one canonical form that a general YAML
// parser reads the same way, at a small fraction of its cost. These are
// the pieces both use.

// docLines reads an entry body line by line.
type docLines struct {
	lines []string
	i     int
}

func (l *docLines) peek() (string, bool) {
	if l.i >= len(l.lines) {
		return "", false
	}
	return l.lines[l.i], true
}

// field consumes "key: value" when the next line has that key.
func (l *docLines) field(key string) (string, bool) {
	line, ok := l.peek()
	if !ok {
		return "", false
	}
	v, ok := strings.CutPrefix(line, key+": ")
	if !ok {
		return "", false
	}
	l.i++
	return v, true
}

// peekField reports whether the next line has the key, without consuming it.
func (l *docLines) peekField(key string) (string, bool) {
	line, ok := l.peek()
	if !ok {
		return "", false
	}
	return strings.CutPrefix(line, key+": ")
}

func (l *docLines) need(key string) (string, error) {
	v, ok := l.field(key)
	if !ok {
		return "", fmt.Errorf("line %d: expected %q", l.i+1, strings.TrimSpace(key))
	}
	return v, nil
}

// parseCount reads a positive decimal integer without leading zeros.
func parseCount(s string) (int, error) {
	if s == "" || len(s) > 12 || s[0] == '0' {
		return 0, errors.New("not a positive integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a positive integer")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errors.New("not a positive integer")
	}
	return n, nil
}

var yamlWords = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "y": true, "n": true}

// isPlain reports whether s is written without quotes: a letter, then
// letters, digits and _ . / -, and not a word YAML reads as a bool or null.
// Anything else (numbers, indicators, spaces) is written double-quoted.
func isPlain(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-') {
			return false
		}
	}
	return len(s) > 5 || !yamlWords[strings.ToLower(s)]
}

// yamlScalar writes s plain when that is unambiguous, else double-quoted
// with Go escapes, which YAML's double-quoted style reads the same way.
func yamlScalar(s string) string {
	if isPlain(s) {
		return s
	}
	return strconv.Quote(s)
}

func parseScalar(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil || isPlain(u) || strconv.Quote(u) != s {
			return "", errors.New("badly quoted string")
		}
		return u, nil
	}
	if !isPlain(s) {
		return "", errors.New("string needs quotes")
	}
	return s, nil
}

func flowList(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = yamlScalar(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// quotedList writes hashes always double-quoted: YAML would read some hex
// strings (all digits, or digits with one 'e') as numbers.
func quotedList(items []string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = strconv.Quote(it)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func parseQuotedList(s string) (Names, error) { return parseList(s, true) }

func parseFlowList(s string) (Names, error) { return parseList(s, false) }

// parseList reads "[a, b]"; with quoted, every item is double-quoted.
func parseList(s string, quoted bool) (Names, error) {
	inner, ok := strings.CutPrefix(s, "[")
	if !ok {
		return nil, errors.New("expected [ … ]")
	}
	inner, ok = strings.CutSuffix(inner, "]")
	if !ok {
		return nil, errors.New("expected [ … ]")
	}
	if inner == "" {
		return Names{}, nil
	}
	parts := strings.Split(inner, ", ")
	out := make(Names, len(parts))
	for i, p := range parts {
		var err error
		if quoted {
			out[i], err = strconv.Unquote(p)
			if err != nil || strconv.Quote(out[i]) != p {
				return nil, errors.New("expected double-quoted hashes")
			}
		} else {
			out[i], err = parseScalar(p)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// isStdBase64 reports whether s is padded standard base64 of a 64-byte
// signature: 86 characters of the alphabet and "==".
func isStdBase64(s string) bool {
	if !strings.HasSuffix(s, "==") {
		return false
	}
	for i := 0; i < len(s)-2; i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
