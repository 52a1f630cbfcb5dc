package mask

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// MinScanLength is the shortest secret value CompileScan looks for. Scanning
// files reports every occurrence to a person who must act on it, so it needs
// fewer false alarms than masking: a value of 8 bytes or more is unlikely to
// occur in a file by chance.
const MinScanLength = 8

// A Form is how a secret occurs in the input: as it is, or encoded.
type Form string

// The forms a Matcher looks for. Compile's Matchers know FormValue and the
// whole base64 forms; CompileScan's all of them.
const (
	FormValue      Form = "value"
	FormBase64     Form = "base64"          // standard or URL alphabet, padded or not
	FormBase64Part Form = "base64 (inside)" // inside a longer base64 stream, at any alignment
	FormHex        Form = "hex"             // lower or upper case
	FormURL        Form = "url-encoded"     // query or path escaping
)

// An origin is what a pattern stands for: a secret, by its index in the
// list compiled, in one form.
type origin struct {
	secret int
	form   Form
}

// CompileScan builds a Matcher for finding secrets in files: each value of
// at least MinScanLength bytes, its base64 encodings (standard and URL
// alphabets, padded and unpadded, and the part of a longer base64 stream
// that encodes the value wherever it starts in that stream: the three
// alignments), its hex in lower and upper case, and its URL encodings. Its
// Writers mask all of these too.
func CompileScan(secrets [][]byte) *Matcher {
	var patterns [][]byte
	var origins []origin
	skipped := 0
	add := func(i int, f Form, p string) {
		patterns = append(patterns, []byte(p))
		origins = append(origins, origin{i, f})
	}
	for i, s := range secrets {
		if len(s) < MinScanLength {
			skipped++
			continue
		}
		add(i, FormValue, string(s))
		for _, enc := range encodings {
			add(i, FormBase64, enc.EncodeToString(s))
		}
		for k, p := range base64Parts(s) {
			// At offset 0 the part is a prefix of the whole encoding,
			// which is what a reader would call it.
			f := FormBase64Part
			if k%3 == 0 {
				f = FormBase64
			}
			add(i, f, p)
		}
		h := hex.EncodeToString(s)
		add(i, FormHex, h)
		add(i, FormHex, strings.ToUpper(h))
		for _, u := range urlForms(s) {
			if u != string(s) {
				add(i, FormURL, u)
			}
		}
	}
	return &Matcher{a: build(patterns), skipped: skipped, origins: origins}
}

// base64Parts are the characters that encode s, and nothing else, when s is
// inside a longer base64 stream, starting at byte k (mod 3) of it, for
// k = 0, 1, 2, in both alphabets. The characters at either end that mix bits
// of s with bits of its neighbours depend on the neighbours, so they are left
// out.
func base64Parts(s []byte) []string {
	var parts []string
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for k := range 3 {
			buf := make([]byte, k+len(s))
			copy(buf[k:], s)
			e := enc.EncodeToString(buf)
			clear(buf)
			// Character i holds bits [6i, 6i+6); s holds bits [8k, 8(k+n)).
			from, to := (8*k+5)/6, 8*(k+len(s))/6
			parts = append(parts, e[from:to])
		}
	}
	return parts
}

// urlForms are s percent-encoded as Go's url package does, in a query and in
// a path, and as strict encoders do (JavaScript's encodeURIComponent,
// Python's quote): every byte that is not an unreserved character, with a
// space as %20 or as '+'.
func urlForms(s []byte) []string {
	var strict strings.Builder
	for _, b := range s {
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', strings.IndexByte("-._~", b) >= 0:
			strict.WriteByte(b)
		default:
			fmt.Fprintf(&strict, "%%%02X", b)
		}
	}
	return []string{
		url.QueryEscape(string(s)),
		url.PathEscape(string(s)),
		strict.String(),
		strings.ReplaceAll(strict.String(), "%20", "+"),
	}
}

// An Occurrence is where a secret occurs in the input to Find.
type Occurrence struct {
	Secret     int  // index in the list compiled
	Form       Form // how it occurs
	Start, End int  // input[Start:End] is the occurrence
}

// Find calls yield for the occurrences of m's patterns in input, in order of
// their end, and at each end the longest pattern only, until yield returns
// false. Overlapping occurrences are all reported. It is one pass over input,
// however many secrets m holds.
func (m *Matcher) Find(input []byte, yield func(Occurrence) bool) {
	a := m.a
	nodes, rows, class := a.nodes, a.rows, &a.class
	s := a.states[root]
	for i, b := range input {
		if s >= 0 {
			s = rows[int(s)+int(class[b])]
		} else {
			s = a.next(s, b)
		}
		if s >= 0 || !nodes[^s].match {
			continue
		}
		t := a.info[a.id(s)].out // the longest pattern ending here
		o := m.originOf(a.pattern[t])
		if !yield(Occurrence{Secret: o.secret, Form: o.form, Start: i + 1 - int(a.info[t].depth), End: i + 1}) {
			return
		}
	}
}

func (m *Matcher) originOf(p int32) origin {
	if m.origins == nil { // a matcher built in a test, from raw patterns
		return origin{int(p), FormValue}
	}
	return m.origins[p]
}
