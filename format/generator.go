package format

import (
	"errors"
	"strconv"
	"strings"
)

// Charsets a generated value can be drawn from.
var Charsets = map[string]string{
	"alnum":     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	"alpha":     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
	"digits":    "0123456789",
	"hex":       "0123456789abcdef",
	"base64url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	"ascii":     "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
}

// Generator limits and defaults.
const (
	DefaultGenerateLength  = 32
	DefaultGenerateCharset = "alnum"
	MaxGenerateLength      = 4096
)

// A Generator says how to make a random value.
type Generator struct {
	Length  int
	Charset string
}

// ErrBadGenerator explains the spec syntax.
var ErrBadGenerator = errors.New(`a generate spec is LENGTH, CHARSET or LENGTH:CHARSET (e.g. "64:hex"); charsets: alnum, alpha, ascii, base64url, digits, hex`)

// ParseGenerator parses "", "64", "hex" or "64:hex".
func ParseGenerator(spec string) (Generator, error) {
	g := Generator{Length: DefaultGenerateLength, Charset: DefaultGenerateCharset}
	if spec == "" {
		return g, nil
	}
	lengthPart, charsetPart, hasColon := strings.Cut(spec, ":")
	if !hasColon {
		if spec[0] >= '0' && spec[0] <= '9' {
			lengthPart, charsetPart = spec, ""
		} else {
			lengthPart, charsetPart = "", spec
		}
	}
	if lengthPart != "" {
		if len(lengthPart) > 4 || lengthPart[0] < '1' || lengthPart[0] > '9' {
			return g, ErrBadGenerator
		}
		n, err := strconv.Atoi(lengthPart)
		if err != nil || n < 1 || n > MaxGenerateLength {
			return g, ErrBadGenerator
		}
		g.Length = n
	} else if hasColon {
		return g, ErrBadGenerator
	}
	if charsetPart != "" {
		if _, ok := Charsets[charsetPart]; !ok {
			return g, ErrBadGenerator
		}
		g.Charset = charsetPart
	} else if hasColon {
		return g, ErrBadGenerator
	}
	return g, nil
}

// String is the canonical spec, "LENGTH:CHARSET".
func (g Generator) String() string { return strconv.Itoa(g.Length) + ":" + g.Charset }
