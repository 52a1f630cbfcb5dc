package format

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// A DotenvPair is one variable of a dotenv file, or one variable of an
// environment as tresor env prints it.
type DotenvPair struct {
	Key   string
	Value []byte
}

// A DotenvError is an error of ParseDotenv: a line number and what is
// wrong there, never the line itself.
type DotenvError struct {
	Line   int
	Reason string
}

func (e *DotenvError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// ParseDotenv reads a .env file as people write them:
//
//	# a comment, and blank lines
//	export KEY=value            # "export " is optional
//	PLAIN=  trimmed value  # an inline comment needs a space before '#'
//	EMPTY=
//	SINGLE='literal: no escapes, $HOME stays, may span lines'
//	DOUBLE="escapes \n \r \t \" \\ \$ \`; others are kept as written"
//
// Keys are environment variable names (ValidEnvName), each at most once.
// Nothing is interpolated: "$HOME" is five bytes. Lines end in "\n" or
// "\r\n" (read as "\n", also inside quotes); a UTF-8 byte order mark is
// ignored. The file must be UTF-8 without NUL bytes.
//
// Unlike the other parsers of this package, ParseDotenv reads files tresor
// did not write, so it accepts many spellings of one pair: what holds is
// ParseDotenv(MarshalDotenv(pairs)) == pairs, not Marshal(Parse(b)) == b.
//
// Errors are *DotenvError: the line number and never the line, since a
// broken quote makes the parser read a value as a key.
func ParseDotenv(b []byte) ([]DotenvPair, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !utf8.Valid(b) {
		return nil, dotenvErrorf(lineOf(b, firstInvalidUTF8(b)), "not valid UTF-8")
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, dotenvErrorf(lineOf(b, i), "contains a NUL byte")
	}
	p := &dotenvParser{src: b, line: 1}
	var pairs []DotenvPair
	seen := map[string]int{}
	for {
		p.skipBlank()
		if p.eof() {
			return pairs, nil
		}
		switch p.peek() {
		case '\n':
			p.next()
			continue
		case '#':
			p.skipToEOL()
			continue
		}
		line := p.line
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		value, err := p.value()
		if err != nil {
			return nil, err
		}
		if first, ok := seen[key]; ok {
			return nil, dotenvErrorf(line, "%s is already set on line %d", key, first)
		}
		seen[key] = line
		pairs = append(pairs, DotenvPair{Key: key, Value: value})
	}
}

type dotenvParser struct {
	src  []byte
	pos  int
	line int
}

func dotenvErrorf(line int, format string, args ...any) error {
	return &DotenvError{Line: line, Reason: fmt.Sprintf(format, args...)}
}

func (p *dotenvParser) eof() bool  { return p.pos >= len(p.src) }
func (p *dotenvParser) peek() byte { return p.src[p.pos] }

func (p *dotenvParser) next() byte {
	c := p.src[p.pos]
	p.pos++
	if c == '\n' {
		p.line++
	}
	return c
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func (p *dotenvParser) skipBlank() {
	for !p.eof() && isBlank(p.peek()) {
		p.pos++
	}
}

// skipToEOL moves to the newline ending this line (or the end).
func (p *dotenvParser) skipToEOL() {
	if i := bytes.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		p.pos += i
	} else {
		p.pos = len(p.src)
	}
}

// key reads "[export ]KEY =" and returns KEY.
func (p *dotenvParser) key() (string, error) {
	line := p.line
	if rest := p.src[p.pos:]; bytes.HasPrefix(rest, []byte("export")) && len(rest) > 6 && isBlank(rest[6]) {
		save := p.pos
		p.pos += 6
		p.skipBlank()
		if p.eof() || p.peek() == '=' || p.peek() == '\n' {
			p.pos = save // a variable named export
		}
	}
	start := p.pos
	for !p.eof() && p.peek() != '=' && p.peek() != '\n' && !isBlank(p.peek()) {
		p.pos++
	}
	key := string(p.src[start:p.pos])
	p.skipBlank()
	if p.eof() || p.peek() != '=' {
		// Don't include the line: a value with a broken quote ends up here.
		return "", dotenvErrorf(line, "expected KEY=value")
	}
	if !ValidEnvName(key) {
		return "", dotenvErrorf(line, "the variable name is not letters, digits and '_' (not starting with a digit)")
	}
	p.pos++ // '='
	return key, nil
}

// value reads what follows '=' up to and including the end of its line.
func (p *dotenvParser) value() ([]byte, error) {
	start := p.pos
	p.skipBlank()
	if p.eof() {
		return []byte{}, nil
	}
	var v []byte
	var err error
	switch p.peek() {
	case '#':
		if p.pos > start {
			// KEY= # comment: an empty value.
			p.skipToEOL()
			return []byte{}, nil
		}
		return p.unquoted(), nil
	case '\'':
		v, err = p.singleQuoted()
	case '"':
		v, err = p.doubleQuoted()
	default:
		return p.unquoted(), nil
	}
	if err != nil {
		return nil, err
	}
	line := p.line
	p.skipBlank()
	switch {
	case p.eof():
	case p.peek() == '#':
		p.skipToEOL()
	case p.peek() != '\n':
		return nil, dotenvErrorf(line, "unexpected text after the closing quote")
	}
	return v, nil
}

func (p *dotenvParser) unquoted() []byte {
	start := p.pos
	p.skipToEOL()
	raw := p.src[start:p.pos]
	for i := 1; i < len(raw); i++ {
		if raw[i] == '#' && isBlank(raw[i-1]) {
			raw = raw[:i]
			break
		}
	}
	return append([]byte{}, bytes.TrimRight(raw, " \t")...)
}

func (p *dotenvParser) singleQuoted() ([]byte, error) {
	open := p.line
	p.next() // '\''
	start := p.pos
	i := bytes.IndexByte(p.src[start:], '\'')
	if i < 0 {
		return nil, dotenvErrorf(open, "the single-quoted value is not closed")
	}
	for p.pos < start+i {
		p.next()
	}
	p.next() // '\''
	return append([]byte{}, p.src[start:start+i]...), nil
}

func (p *dotenvParser) doubleQuoted() ([]byte, error) {
	open := p.line
	p.next() // '"'
	v := []byte{}
	for !p.eof() {
		c := p.next()
		switch c {
		case '"':
			return v, nil
		case '\\':
			if p.eof() {
				break
			}
			e := p.next()
			switch e {
			case 'n':
				v = append(v, '\n')
			case 'r':
				v = append(v, '\r')
			case 't':
				v = append(v, '\t')
			case '"', '\\', '$', '`':
				v = append(v, e)
			default:
				// As in sh: an unknown escape is kept as written.
				v = append(v, '\\', e)
			}
		default:
			v = append(v, c)
		}
	}
	return nil, dotenvErrorf(open, "the double-quoted value is not closed")
}

// MarshalDotenv writes pairs as a dotenv file that ParseDotenv reads back
// exactly, and that runs nothing when a shell sources it (set -a; . ./.env):
//
//	KEY='value'             no ' and no control character but newline and tab
//	KEY="it's \$5 \` \" \\"    any other value
//
// Inside single quotes sh takes every byte as it is. Inside double quotes
// sh still expands $ and ` (a value with ' and `touch x` ran it) and treats
// \ specially, so those three and " are escaped with a backslash, which sh
// and ParseDotenv both undo; newlines, tabs and other control characters
// are written as they are, so sh reads those values exactly too. The
// exception is a carriage return, written as \r: dotenv readers fold a
// written CR LF into LF, so only the escape keeps it, and sh reads \r as
// those two characters. Where no spelling is both inert in sh and exact
// for every dotenv reader, inert wins (docs/formats.md, "Dotenv files").
//
// Keys must be valid and unique; values UTF-8 without NUL bytes.
func MarshalDotenv(pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, p := range pairs {
		if !utf8.Valid(p.Value) {
			return nil, fmt.Errorf("%s: the value is not valid UTF-8, which a dotenv file cannot hold", p.Key)
		}
		if bytes.IndexByte(p.Value, 0) >= 0 {
			return nil, fmt.Errorf("%s: the value contains a NUL byte, which a dotenv file cannot hold", p.Key)
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		if singleQuotable(p.Value) {
			b.WriteByte('\'')
			b.Write(p.Value)
			b.WriteString("'\n")
			continue
		}
		b.WriteByte('"')
		for _, c := range p.Value {
			switch c {
			case '\r':
				b.WriteString(`\r`)
			case '"', '\\', '$', '`':
				b.WriteByte('\\')
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteString("\"\n")
	}
	return b.Bytes(), nil
}

func singleQuotable(v []byte) bool {
	for _, c := range v {
		if c == '\'' || c == 0x7f || c < 0x20 && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

// checkPairs refuses keys that are not variable names, and a key given
// twice, naming the key (keys are not secret; values are never named).
func checkPairs(pairs []DotenvPair) error {
	seen := make(map[string]bool, len(pairs))
	for _, p := range pairs {
		if !ValidEnvName(p.Key) {
			k := p.Key
			if len(k) > 40 {
				k = k[:40] + "…"
			}
			return fmt.Errorf("%q is not a valid environment variable name", k)
		}
		if seen[p.Key] {
			return fmt.Errorf("%s is given twice", p.Key)
		}
		seen[p.Key] = true
	}
	return nil
}

// lineOf is the 1-based line of byte offset i.
func lineOf(b []byte, i int) int {
	return 1 + bytes.Count(b[:i], []byte("\n"))
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
