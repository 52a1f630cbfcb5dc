package format

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The formatters below write an environment (variables in the order given)
// for tresor env. Every one refuses keys that are not variable names or are
// given twice, and values its target cannot carry, naming the key, never
// the value.

// FormatShell writes POSIX sh that sets and exports each variable, for
// eval "$(tresor env --format shell)":
//
//	export KEY='value'
//
// Inside single quotes sh takes every byte as it is, newlines included,
// except "'" itself, written as '\”. A shell variable cannot hold a NUL
// byte.
func FormatShell(pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, p := range pairs {
		if err := noNUL(p, "a shell variable"); err != nil {
			return nil, err
		}
		b.WriteString("export " + p.Key + "='")
		b.Write(bytes.ReplaceAll(p.Value, []byte("'"), []byte(`'\''`)))
		b.WriteString("'\n")
	}
	return b.Bytes(), nil
}

// FormatJSON writes one JSON object, keys in the order given:
//
//	{
//	  "KEY": "value"
//	}
//
// JSON strings are Unicode, so a value that is not valid UTF-8 is an error
// rather than silently changed (encoding/json would write U+FFFD).
func FormatJSON(pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return []byte("{}\n"), nil
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, p := range pairs {
		if err := validUTF8(p, "JSON"); err != nil {
			return nil, err
		}
		b.WriteString("  " + strconv.Quote(p.Key) + ": ")
		b.Write(jsonString(p.Value))
		if i < len(pairs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

// jsonString encodes valid UTF-8 as a JSON string, leaving <, > and &
// as they are (the output is not HTML).
func jsonString(v []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(v)); err != nil {
		panic("encoding a string cannot fail: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// FormatGitHubEnv writes the multi-line syntax of GitHub Actions'
// $GITHUB_ENV file for every variable:
//
//	KEY<<DELIMITER
//	value
//	DELIMITER
//
// The runner ends the value at the first line equal to the delimiter, so a
// value that contained it could end early and set other variables. The
// delimiter is TRESOR_EOF, or when the value contains that, one derived
// from a hash of the value, checked not to occur in it: deterministic, and
// not one the value can be written to contain. The runner reads the file as
// UTF-8, and environment variables cannot hold NUL bytes.
func FormatGitHubEnv(pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, p := range pairs {
		if err := validUTF8(p, "$GITHUB_ENV"); err != nil {
			return nil, err
		}
		if err := noNUL(p, "an environment variable"); err != nil {
			return nil, err
		}
		d := githubDelimiter(p.Value)
		b.WriteString(p.Key + "<<" + d + "\n")
		b.Write(p.Value)
		b.WriteString("\n" + d + "\n")
	}
	return b.Bytes(), nil
}

func githubDelimiter(v []byte) string {
	const plain = "TRESOR_EOF"
	if !bytes.Contains(v, []byte(plain)) {
		return plain
	}
	for i := 0; ; i++ {
		h := sha256.New()
		h.Write(v)
		fmt.Fprintf(h, "\x00%d", i)
		d := "TRESOR_EOF_" + hex.EncodeToString(h.Sum(nil)[:12])
		if !bytes.Contains(v, []byte(d)) {
			return d
		}
	}
}

// FormatK8sSecret writes a Kubernetes Secret manifest for kubectl apply -f -:
//
//	apiVersion: v1
//	kind: Secret
//	metadata:
//	  name: "NAME"
//	  namespace: "NAMESPACE"      (left out when namespace is "")
//	type: Opaque
//	data:
//	  "KEY": "<base64 of the value>"
//
// Keys are sorted. Every scalar is double-quoted, since YAML 1.1 readers
// take plain ON, NO or Y for booleans and some base64 for numbers. The name
// must be a DNS-1123 subdomain and the namespace a DNS-1123 label, as the
// API server requires. Values may be any bytes.
func FormatK8sSecret(name, namespace string, pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	if !isDNS1123Subdomain(name) {
		return nil, errors.New("the secret name must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit")
	}
	if namespace != "" && !isDNS1123Label(namespace) {
		return nil, errors.New("the namespace must be a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit")
	}
	sorted := slices.Clone(pairs)
	slices.SortFunc(sorted, func(a, b DotenvPair) int { return cmp.Compare(a.Key, b.Key) })
	var b bytes.Buffer
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata:\n")
	b.WriteString("  name: " + strconv.Quote(name) + "\n")
	if namespace != "" {
		b.WriteString("  namespace: " + strconv.Quote(namespace) + "\n")
	}
	b.WriteString("type: Opaque\n")
	if len(sorted) == 0 {
		b.WriteString("data: {}\n")
		return b.Bytes(), nil
	}
	b.WriteString("data:\n")
	for _, p := range sorted {
		b.WriteString("  " + strconv.Quote(p.Key) + ": \"" + base64.StdEncoding.EncodeToString(p.Value) + "\"\n")
	}
	return b.Bytes(), nil
}

// isDNS1123Label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 bytes.
func isDNS1123Label(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isDNS1123Subdomain: DNS-1123 labels joined by '.', at most 253 bytes.
func isDNS1123Subdomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range bytes.Split([]byte(s), []byte(".")) {
		if !isDNS1123Label(string(l)) {
			return false
		}
	}
	return true
}

// MarshalDotenv writes pairs as a dotenv file that ParseDotenv reads back
// exactly, and that runs nothing when a shell sources it (set -a; . ./.env):
//
//	KEY='value'              no ' and no carriage return
//	KEY="it's \$5 \` \" \\"   any other value
//	KEY="ends in \\\
//	"                        a value that ends in a backslash
//
// Inside single quotes sh takes every byte as it is. Inside double quotes
// sh still expands $ and ` (a value with ' and `touch x` ran it) and treats
// \ specially, so those three and " are escaped with a backslash, which sh
// and ParseDotenv both undo; newlines, tabs and other control characters
// are written as they are, so sh reads those values exactly too. The
// exception is a carriage return, written as \r: dotenv readers fold a
// written CR LF into LF, so only the escape keeps it, and sh reads \r as
// those two characters. Where no spelling is both inert in sh and exact
// for every dotenv reader, inert wins (docs/dotenv.md).
//
// The choice between the spellings is made for the other dotenv readers
// (godotenv, docker compose, python-dotenv), which read a backslash before
// the closing quote as an escaped quote and then fail or run into the next
// lines: a value ending in a backslash is written double-quoted with a line
// continuation (a backslash and a newline, which sh and ParseDotenv drop)
// before the closing quote, so that no reader runs past it; and a value
// with "\\", which python-dotenv reads as one backslash inside single
// quotes, is double-quoted where every reader then reads it exactly (no $,
// no ` and no " at the end).
//
// Keys must be valid and unique; values UTF-8 without NUL bytes.
func MarshalDotenv(pairs []DotenvPair) ([]byte, error) {
	if err := checkPairs(pairs); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, p := range pairs {
		if err := validUTF8(p, "a dotenv file"); err != nil {
			return nil, err
		}
		if err := noNUL(p, "a dotenv file"); err != nil {
			return nil, err
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		v := p.Value
		endsInBackslash := len(v) > 0 && v[len(v)-1] == '\\'
		if !endsInBackslash && singleQuotable(v) && !(bytes.Contains(v, []byte(`\\`)) && doubleQuotedExactly(v)) {
			b.WriteByte('\'')
			b.Write(v)
			b.WriteString("'\n")
			continue
		}
		b.WriteByte('"')
		for _, c := range v {
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
		if endsInBackslash {
			b.WriteString("\\\n")
		}
		b.WriteString("\"\n")
	}
	return b.Bytes(), nil
}

// singleQuotable: sh and ParseDotenv read v inside single quotes exactly
// (dotenv readers would fold a CR LF, and some read a lone CR as a line end).
func singleQuotable(v []byte) bool {
	return bytes.IndexByte(v, '\'') < 0 && bytes.IndexByte(v, '\r') < 0
}

// doubleQuotedExactly: godotenv, docker compose and python-dotenv all read
// v double-quoted as MarshalDotenv writes it. python-dotenv keeps the
// backslash of \$ and \`, docker compose that of \`, and godotenv drops a
// " before the closing quote.
func doubleQuotedExactly(v []byte) bool {
	return bytes.IndexAny(v, "$`") < 0 && (len(v) == 0 || v[len(v)-1] != '"')
}

// validUTF8 refuses a value that is not valid UTF-8, which target (a JSON
// string, a dotenv file) cannot hold: changing it silently would change
// the secret.
func validUTF8(p DotenvPair, target string) error {
	if !utf8.Valid(p.Value) {
		return fmt.Errorf("%s: the value is not valid UTF-8, which %s cannot hold", p.Key, target)
	}
	return nil
}

// noNUL refuses a value with a NUL byte, which target (a shell or
// environment variable, a dotenv file) cannot hold.
func noNUL(p DotenvPair, target string) error {
	if bytes.IndexByte(p.Value, 0) >= 0 {
		return fmt.Errorf("%s: the value contains a NUL byte, which %s cannot hold", p.Key, target)
	}
	return nil
}
