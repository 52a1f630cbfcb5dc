package format

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Charsets a generated password can be drawn from.
var Charsets = map[string]string{
	"alnum":     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	"alpha":     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	"digits":    "0123456789",
	"hex":       "0123456789abcdef",
	"base64url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	"ascii":     "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
}

// Generator kinds. A password is drawn from a charset and may require
// character classes; token, hex and base64url are fixed charsets (token is
// alnum); uuid is a random (version 4) UUID.
const (
	KindPassword  = "password"
	KindToken     = "token"
	KindHex       = "hex"
	KindBase64URL = "base64url"
	KindUUID      = "uuid"
)

var generatorKinds = []string{KindPassword, KindToken, KindHex, KindBase64URL, KindUUID}

// Character classes a password generator can require, in canonical order.
var CharClasses = []string{"digit", "lower", "symbol", "upper"}

// Generator limits and defaults.
const (
	DefaultGenerateLength  = 32
	DefaultTokenLength     = 40
	DefaultGenerateCharset = "alnum"
	MaxGenerateLength      = 4096
	uuidLength             = 36
)

// A Generator says how to make a random value.
type Generator struct {
	Kind    string // one of the Kind constants; "" reads as password
	Length  int    // characters (36 for uuid)
	Charset string // password only: a key of Charsets
	Require []string
}

// ErrBadGenerator explains the spec syntax.
var ErrBadGenerator = errors.New(`a generate spec is KIND[:LENGTH][:CHARSET][:CLASSES] (kinds: password, token, hex, base64url, uuid; ` +
	`charsets: alnum, alpha, ascii, base64url, digits, hex; classes: upper,lower,digit,symbol), or LENGTH, CHARSET or LENGTH:CHARSET (e.g. "64:hex")`)

// ParseGenerator parses a spec:
//
//	""                       password, 32 alnum characters
//	"64", "hex", "64:hex"    a password of that length and/or charset
//	"password:24:ascii:upper,lower,digit,symbol"
//	"token", "token:48", "hex:64", "base64url:43", "uuid"
//
// A spec that cannot be met (more required classes than characters, a
// class the charset lacks) is refused.
func ParseGenerator(spec string) (Generator, error) {
	g := Generator{Kind: KindPassword, Length: DefaultGenerateLength, Charset: DefaultGenerateCharset}
	if spec == "" {
		return g, nil
	}
	if len(spec) > 200 {
		return g, ErrBadGenerator
	}
	parts := strings.Split(spec, ":")
	if slices.Contains(generatorKinds, parts[0]) && (len(parts) > 1 || parts[0] == KindPassword || parts[0] == KindToken || parts[0] == KindUUID) {
		return parseKindSpec(parts)
	}
	// The older LENGTH, CHARSET, LENGTH:CHARSET forms make a password.
	lengthPart, charsetPart := "", ""
	switch {
	case len(parts) == 1 && isDigit(spec[0]):
		lengthPart = spec
	case len(parts) == 1:
		charsetPart = spec
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		lengthPart, charsetPart = parts[0], parts[1]
	default:
		return g, ErrBadGenerator
	}
	if lengthPart != "" {
		n, err := parseGenLength(lengthPart)
		if err != nil {
			return g, err
		}
		g.Length = n
	}
	if charsetPart != "" {
		if _, ok := Charsets[charsetPart]; !ok {
			return g, ErrBadGenerator
		}
		g.Charset = charsetPart
	}
	return g, nil
}

func parseKindSpec(parts []string) (Generator, error) {
	g := Generator{Kind: parts[0]}
	switch g.Kind {
	case KindPassword:
		g.Length, g.Charset = DefaultGenerateLength, DefaultGenerateCharset
	case KindToken:
		g.Length = DefaultTokenLength
	case KindHex, KindBase64URL:
		g.Length = DefaultGenerateLength
	case KindUUID:
		g.Length = uuidLength
		if len(parts) > 1 {
			return g, errors.New("a uuid generator takes no length, charset or classes")
		}
		return g, nil
	}
	seenLength, seenCharset := false, false
	for _, p := range parts[1:] {
		switch {
		case p == "":
			return g, ErrBadGenerator
		case isDigit(p[0]) && !seenLength:
			n, err := parseGenLength(p)
			if err != nil {
				return g, err
			}
			g.Length, seenLength = n, true
		case g.Kind == KindPassword && Charsets[p] != "" && !seenCharset:
			g.Charset, seenCharset = p, true
		case g.Kind == KindPassword && g.Require == nil:
			classes := strings.Split(p, ",")
			for _, c := range classes {
				if !slices.Contains(CharClasses, c) {
					return g, fmt.Errorf("generator: %q is neither a charset nor a class (classes: upper, lower, digit, symbol)", c)
				}
			}
			slices.Sort(classes)
			g.Require = slices.Compact(classes)
		default:
			return g, ErrBadGenerator
		}
	}
	return g, g.Check()
}

func parseGenLength(s string) (int, error) {
	if len(s) > 4 || s[0] < '1' || s[0] > '9' {
		return 0, ErrBadGenerator
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxGenerateLength {
		return 0, ErrBadGenerator
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Alphabet is the set of characters the generator draws from ("" for uuid).
func (g Generator) Alphabet() string {
	switch g.kind() {
	case KindToken:
		return Charsets["alnum"]
	case KindHex:
		return Charsets["hex"]
	case KindBase64URL:
		return Charsets["base64url"]
	case KindUUID:
		return ""
	}
	return Charsets[g.Charset]
}

func (g Generator) kind() string {
	if g.Kind == "" {
		return KindPassword
	}
	return g.Kind
}

// ClassOf returns the character class of c: upper, lower, digit or symbol.
func ClassOf(c byte) string {
	switch {
	case c >= 'A' && c <= 'Z':
		return "upper"
	case c >= 'a' && c <= 'z':
		return "lower"
	case c >= '0' && c <= '9':
		return "digit"
	}
	return "symbol"
}

// Check says why the generator cannot make a value, or nil.
func (g Generator) Check() error {
	k := g.kind()
	if !slices.Contains(generatorKinds, k) {
		return fmt.Errorf("generator: unknown kind %q", g.Kind)
	}
	if k == KindUUID {
		if g.Length != uuidLength || g.Charset != "" || g.Require != nil {
			return errors.New("generator: a uuid has no length, charset or classes")
		}
		return nil
	}
	if g.Length < 1 || g.Length > MaxGenerateLength {
		return fmt.Errorf("generator: length must be 1 to %d", MaxGenerateLength)
	}
	if k != KindPassword {
		if g.Charset != "" || g.Require != nil {
			return fmt.Errorf("generator: a %s has a fixed charset and no classes", k)
		}
		return nil
	}
	if Charsets[g.Charset] == "" {
		return fmt.Errorf("generator: unknown charset %q", g.Charset)
	}
	if g.Require != nil {
		if len(g.Require) == 0 || !slices.IsSorted(g.Require) || len(slices.Compact(slices.Clone(g.Require))) != len(g.Require) {
			return errors.New("generator: required classes must be sorted and unique")
		}
		have := map[string]bool{}
		for i := 0; i < len(Charsets[g.Charset]); i++ {
			have[ClassOf(Charsets[g.Charset][i])] = true
		}
		for _, c := range g.Require {
			if !slices.Contains(CharClasses, c) {
				return fmt.Errorf("generator: unknown class %q", c)
			}
			if !have[c] {
				return fmt.Errorf("generator: charset %s has no %s characters, which the spec requires", g.Charset, c)
			}
		}
		if len(g.Require) > g.Length {
			return fmt.Errorf("generator: %d characters cannot hold the %d required classes (%s)", g.Length, len(g.Require), strings.Join(g.Require, ", "))
		}
	}
	return nil
}

// String is the canonical spec: "LENGTH:CHARSET" for a password without
// classes (the form older vaults store), else KIND[:LENGTH][:CHARSET][:CLASSES].
func (g Generator) String() string {
	switch k := g.kind(); k {
	case KindUUID:
		return KindUUID
	case KindPassword:
		if g.Require == nil {
			return strconv.Itoa(g.Length) + ":" + g.Charset
		}
		return "password:" + strconv.Itoa(g.Length) + ":" + g.Charset + ":" + strings.Join(g.Require, ",")
	default:
		return k + ":" + strconv.Itoa(g.Length)
	}
}

// mapping is the generator as the secret header writes it:
// {kind: password, length: 32, charset: alnum[, require: [digit, upper]]},
// {kind: hex, length: 64} or {kind: uuid}.
func (g Generator) mapping() string {
	switch k := g.kind(); k {
	case KindUUID:
		return "{kind: uuid}"
	case KindPassword:
		s := "{kind: password, length: " + strconv.Itoa(g.Length) + ", charset: " + g.Charset
		if g.Require != nil {
			s += ", require: [" + strings.Join(g.Require, ", ") + "]"
		}
		return s + "}"
	default:
		return "{kind: " + k + ", length: " + strconv.Itoa(g.Length) + "}"
	}
}

// parseGeneratorMapping reads what mapping writes, and nothing else.
func parseGeneratorMapping(v string) (*Generator, error) {
	bad := errors.New("generator: expected {kind: K, length: N, charset: C} as tresor writes it")
	body, ok := strings.CutPrefix(v, "{kind: ")
	if !ok || !strings.HasSuffix(body, "}") {
		return nil, bad
	}
	body = strings.TrimSuffix(body, "}")
	g := Generator{}
	kind, rest, _ := strings.Cut(body, ", ")
	g.Kind = kind
	if kind == KindUUID {
		g.Length = uuidLength
	} else {
		n, after, _ := strings.Cut(rest, ", ")
		n, ok = strings.CutPrefix(n, "length: ")
		if !ok {
			return nil, bad
		}
		length, err := parseCount(n)
		if err != nil {
			return nil, fmt.Errorf("generator: %w", err)
		}
		g.Length = length
		if kind == KindPassword {
			cs, req, hasReq := strings.Cut(after, ", require: [")
			if g.Charset, ok = strings.CutPrefix(cs, "charset: "); !ok {
				return nil, bad
			}
			if hasReq {
				req, ok = strings.CutSuffix(req, "]")
				if !ok {
					return nil, bad
				}
				g.Require = strings.Split(req, ", ")
			}
		}
	}
	if err := g.Check(); err != nil {
		return nil, err
	}
	if g.mapping() != v {
		return nil, bad
	}
	return &g, nil
}

// Equal reports whether two generators make values the same way.
func (g Generator) Equal(o Generator) bool {
	return g.kind() == o.kind() && g.Length == o.Length && g.Charset == o.Charset && slices.Equal(g.Require, o.Require)
}
