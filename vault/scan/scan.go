// Package scan looks for secrets in files about to be committed: the exact
// values of the vault's secrets the user can read, in their common
// encodings, and well-known credential formats. It is what `tresor scan`
// and the pre-commit hook run.
//
// A Finding never holds a secret value: it names the secret (or the
// pattern) and where it is.
package scan

import (
	"bytes"
	"sort"

	"github.com/tresor-dev/tresor/vault/mask"
)

// AllowMarker on a line allows whatever is found on it.
const AllowMarker = "tresor:allow"

// Kinds of findings.
const (
	KindSecret  = "secret"  // a value of the vault's secrets
	KindPattern = "pattern" // a well-known credential format
	KindVault   = "vault"   // a file under the vault that should not be committed
)

// A Finding is one thing found in one file.
type Finding struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"` // 1-based; 0 for the file as a whole
	Kind string `json:"kind"`
	// What: the secret's name, the pattern's name, or what is wrong with
	// the file.
	What string `json:"what"`
	// Form: how a secret's value occurs (value, base64, hex, ...).
	Form string `json:"form,omitempty"`
	// Masked: what was found, masked. For a secret, nothing of it: any
	// character of a known value narrows it down. For a pattern, its first
	// characters (the issuer's public prefix, mostly) and *****.
	Masked string `json:"masked,omitempty"`
	// Fingerprint names the finding in scan-allow.yaml (see Fingerprint);
	// empty without a vault.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// A Value is a secret to look for.
type Value struct {
	Secret string
	Value  []byte
}

// A Scanner looks for a set of secret values and the built-in patterns. It
// is safe for concurrent use.
type Scanner struct {
	m     *mask.Matcher // nil: no values
	names []string      // by index in the list compiled

	vaultID string     // keys fingerprints; "" without a vault
	allow   *AllowList // findings let through
}

// Allow makes the scanner fingerprint its findings with the vault's id, and
// leave out those that allow lists.
func (s *Scanner) Allow(vaultID string, allow *AllowList) {
	s.vaultID, s.allow = vaultID, allow
}

// keep fingerprints f and reports whether it is to be reported.
func (s *Scanner) keep(f *Finding, matched []byte) bool {
	if s.vaultID == "" {
		return true
	}
	f.Fingerprint = Fingerprint(s.vaultID, *f, matched)
	return !s.allow.Allows(f.Fingerprint)
}

// Filter fingerprints findings made elsewhere (VaultFiles) and leaves out
// those allowed.
func (s *Scanner) Filter(findings []Finding) []Finding {
	var out []Finding
	for _, f := range findings {
		if s.keep(&f, nil) {
			out = append(out, f)
		}
	}
	return out
}

// NewScanner compiles values (which it copies) into one matcher. Values
// shorter than mask.MinScanLength are not looked for; Skipped counts them.
func NewScanner(values []Value) *Scanner {
	s := &Scanner{}
	if len(values) == 0 {
		return s
	}
	raw := make([][]byte, len(values))
	s.names = make([]string, len(values))
	for i, v := range values {
		raw[i], s.names[i] = v.Value, v.Secret
	}
	s.m = mask.CompileScan(raw)
	return s
}

// Skipped is the number of values too short to look for.
func (s *Scanner) Skipped() int {
	if s.m == nil {
		return 0
	}
	return s.m.Skipped()
}

// File returns what is found in content, the file at path: each secret
// once per line, each pattern match, but nothing on a line that carries
// AllowMarker. Findings are ordered by line.
func (s *Scanner) File(path string, content []byte) []Finding {
	var out []Finding
	lines := &lineIndex{b: content} // built on the first finding
	seen := map[[2]int]bool{}       // line, secret
	if s.m != nil {
		s.m.Find(content, func(o mask.Occurrence) bool {
			line := lines.of(o.Start)
			if seen[[2]int{line, o.Secret}] || lines.allowed(line) {
				return true
			}
			seen[[2]int{line, o.Secret}] = true
			f := Finding{File: path, Line: line, Kind: KindSecret, What: s.names[o.Secret], Form: string(o.Form), Masked: mask.Replacement}
			if s.keep(&f, nil) {
				out = append(out, f)
			}
			return true
		})
	}
	for _, p := range findPatterns(content) {
		line := lines.of(p.start)
		if lines.allowed(line) || s.isValue(content[p.start:p.end]) {
			continue
		}
		f := Finding{File: path, Line: line, Kind: KindPattern, What: p.name, Masked: maskPattern(content[p.start:p.end])}
		if s.keep(&f, content[p.start:p.end]) {
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// isValue reports whether b is exactly one of the secret values: a
// credential that is in the vault is reported as the secret, by name.
func (s *Scanner) isValue(b []byte) bool {
	if s.m == nil {
		return false
	}
	found := false
	s.m.Find(b, func(o mask.Occurrence) bool {
		found = o.Start == 0 && o.End == len(b)
		return !found
	})
	return found
}

// maskPattern shows the first characters of a pattern's match: enough to
// recognise the kind of credential, too few to use it.
func maskPattern(b []byte) string {
	const show = 4
	if len(b) < 4*show {
		return mask.Replacement
	}
	return string(b[:show]) + mask.Replacement
}

// A lineIndex maps offsets in b to 1-based line numbers. It is built when
// first asked: most files have no finding.
type lineIndex struct {
	b      []byte
	starts []int
}

func (l *lineIndex) of(off int) int {
	if l.starts == nil {
		l.starts = []int{0}
		for i := 0; ; {
			j := bytes.IndexByte(l.b[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			l.starts = append(l.starts, i)
		}
	}
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
}

// allowed reports whether line (which of has numbered) carries AllowMarker.
func (l *lineIndex) allowed(line int) bool {
	start := l.starts[line-1]
	end := len(l.b)
	if line < len(l.starts) {
		end = l.starts[line]
	}
	return bytes.Contains(l.b[start:end], []byte(AllowMarker))
}
