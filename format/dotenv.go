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

// A DotenvNote is a place where ParseDotenv read a file as its rules say
// but other dotenv tools (godotenv, docker compose, python-dotenv) read it
// differently, so that tresor import can say so. Key is the variable, or
// "" for a note about the file; Reason never contains any part of a value.
type DotenvNote struct {
	Line   int
	Key    string
	Reason string
}

// The reasons of DotenvNote.
const (
	NoteExpansion       = "has a $ reference, stored as written: tresor does not expand variables (godotenv, docker compose and python-dotenv would); write \\$ or use single quotes to say it is literal"
	NoteCommentIsEmpty  = "the text after \" #\" is a comment, so the value is empty (godotenv and docker compose read that text as the value; quote it to keep it)"
	NoteSingleBackslash = "\\\\ inside single quotes is kept as two backslashes (python-dotenv and heroku config --shell mean one; for heroku's output use tresor import heroku)"
	NoteUnknownEscape   = "a backslash before a character other than n r t \" \\ $ ` is kept as written inside double quotes (godotenv drops it; for heroku config --shell output, which writes \\! for !, use tresor import heroku)"
	NoteContinuation    = "a backslash at the end of a line inside double quotes joins the two lines, as in sh (other dotenv readers keep the line break)"
	NoteLoneCR          = "a carriage return without a newline ends a line, as in godotenv and python-dotenv (docker compose reads the rest of the line into the value)"
)

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
// Nothing is interpolated: "$HOME" is five bytes. Lines end in "\n",
// "\r\n" (read as "\n", also inside quotes) or a lone "\r" (outside
// quotes; inside, it is part of the value); a UTF-8 byte order mark is
// ignored. Inside double quotes a backslash at the end of a line joins it
// to the next, as in sh. The file must be UTF-8 without NUL bytes.
//
// Unlike the other parsers of this package, ParseDotenv reads files tresor
// did not write, so it accepts many spellings of one pair: what holds is
// ParseDotenv(MarshalDotenv(pairs)) == pairs, not Marshal(Parse(b)) == b.
//
// Errors are *DotenvError: the line number and never the line, since a
// broken quote makes the parser read a value as a key.
func ParseDotenv(b []byte) ([]DotenvPair, error) {
	pairs, _, err := ParseDotenvNotes(b)
	return pairs, err
}

// ParseDotenvNotes is ParseDotenv, and also returns where other dotenv
// tools would read the file differently (DotenvNote), in file order, at
// most one note of each reason per key.
func ParseDotenvNotes(b []byte) ([]DotenvPair, []DotenvNote, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !utf8.Valid(b) {
		return nil, nil, dotenvErrorf(lineOf(b, firstInvalidUTF8(b)), "not valid UTF-8")
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nil, nil, dotenvErrorf(lineOf(b, i), "contains a NUL byte")
	}
	p := &dotenvParser{src: b, line: 1}
	var pairs []DotenvPair
	seen := map[string]int{}
	for {
		p.skipBlank()
		if p.eof() {
			return pairs, p.notes, nil
		}
		switch p.peek() {
		case '\r':
			p.note("", NoteLoneCR)
			p.next()
			continue
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
			return nil, nil, err
		}
		p.current = key
		value, err := p.value()
		if err != nil {
			return nil, nil, err
		}
		if first, ok := seen[key]; ok {
			return nil, nil, dotenvErrorf(line, "%s is already set on line %d", key, first)
		}
		seen[key] = line
		pairs = append(pairs, DotenvPair{Key: key, Value: value})
	}
}

type dotenvParser struct {
	src     []byte
	pos     int
	line    int
	current string // the variable being read, for notes
	notes   []DotenvNote
	noted   map[DotenvNote]bool
}

func dotenvErrorf(line int, format string, args ...any) error {
	return &DotenvError{Line: line, Reason: fmt.Sprintf(format, args...)}
}

// note records reason for the current key (or the file, key ""), once.
func (p *dotenvParser) note(key, reason string) {
	once := DotenvNote{Key: key, Reason: reason}
	if p.noted[once] {
		return
	}
	if p.noted == nil {
		p.noted = map[DotenvNote]bool{}
	}
	p.noted[once] = true
	p.notes = append(p.notes, DotenvNote{Line: p.line, Key: key, Reason: reason})
}

func (p *dotenvParser) eof() bool  { return p.pos >= len(p.src) }
func (p *dotenvParser) peek() byte { return p.src[p.pos] }

// next moves past one byte, counting lines: after CR LF was folded into
// LF, every '\r' left is a line end of its own (outside quotes; inside,
// it is part of the value but still counts, as editors count it).
func (p *dotenvParser) next() byte {
	c := p.src[p.pos]
	p.pos++
	if isLineEnd(c) {
		p.line++
	}
	return c
}

func isBlank(c byte) bool   { return c == ' ' || c == '\t' }
func isLineEnd(c byte) bool { return c == '\n' || c == '\r' }

func (p *dotenvParser) skipBlank() {
	for !p.eof() && isBlank(p.peek()) {
		p.pos++
	}
}

// skipToEOL moves to the line end ending this line (or the end).
func (p *dotenvParser) skipToEOL() {
	if i := bytes.IndexAny(p.src[p.pos:], "\n\r"); i >= 0 {
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
		if p.eof() || p.peek() == '=' || isLineEnd(p.peek()) {
			p.pos = save // a variable named export
		}
	}
	start := p.pos
	for !p.eof() && p.peek() != '=' && !isLineEnd(p.peek()) && !isBlank(p.peek()) {
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

// value reads what follows '=' up to the end of its line.
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
			p.note(p.current, NoteCommentIsEmpty)
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
	case !isLineEnd(p.peek()):
		return nil, dotenvErrorf(line, "unexpected text after the closing quote")
	}
	return v, nil
}

func (p *dotenvParser) unquoted() []byte {
	start := p.pos
	p.skipToEOL()
	if !p.eof() && p.peek() == '\r' {
		p.note("", NoteLoneCR)
	}
	raw := p.src[start:p.pos]
	for i := 1; i < len(raw); i++ {
		if raw[i] == '#' && isBlank(raw[i-1]) {
			raw = raw[:i]
			break
		}
	}
	raw = bytes.TrimRight(raw, " \t")
	for i := range raw {
		if raw[i] == '$' && startsReference(raw[i+1:]) {
			p.note(p.current, NoteExpansion)
			break
		}
	}
	return append([]byte{}, raw...)
}

// startsReference reports whether what follows a '$' would make godotenv,
// docker compose or python-dotenv expand it: ${, $(, $$, or a name.
func startsReference(rest []byte) bool {
	if len(rest) == 0 {
		return false
	}
	c := rest[0]
	return c == '{' || c == '(' || c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
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
	v := p.src[start : start+i]
	if bytes.Contains(v, []byte(`\\`)) {
		p.note(p.current, NoteSingleBackslash)
	}
	return append([]byte{}, v...), nil
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
		case '$':
			if startsReference(p.src[p.pos:]) {
				p.note(p.current, NoteExpansion)
			}
			v = append(v, c)
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
			case '\n':
				// As in sh: a line continuation.
				p.note(p.current, NoteContinuation)
			default:
				// As in sh: an unknown escape is kept as written.
				p.note(p.current, NoteUnknownEscape)
				v = append(v, '\\', e)
			}
		default:
			v = append(v, c)
		}
	}
	return nil, dotenvErrorf(open, "the double-quoted value is not closed")
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

// lineOf is the 1-based line of byte offset i, in a file whose CR LF
// were folded into LF: every '\r' left ends a line of its own.
func lineOf(b []byte, i int) int {
	return 1 + bytes.Count(b[:i], []byte("\n")) + bytes.Count(b[:i], []byte("\r"))
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
