package scan

import (
	"bytes"
	"regexp"

	"github.com/tresor-dev/tresor/vault/privatekeys"
)

// A pattern is a well-known credential format, found by its shape alone:
// credentials that were never put into the vault are caught too.
//
// Each has literals, one of which every match contains: a regular
// expression runs only on the lines that hold one (Go's regexp has no
// literal prefilter for an expression that starts with \b, and is some ten
// times slower over a whole file). A multiline pattern runs on the whole
// file, when it holds a literal.
type pattern struct {
	name      string
	literals  []string
	multiline bool
	re        *regexp.Regexp
}

// patterns are the built-in formats, most specific first: where two match
// the same text, the first one names it. The formats are the issuers'
// documented token shapes (as gitleaks' rules also describe them).
var patterns = []pattern{
	{"openssh-private-key", []string{"-----BEGIN OPENSSH PRIVATE KEY-----"}, true, privatekeys.OpenSSH},
	{"private-key", []string{"PRIVATE KEY"}, true, privatekeys.PEM},
	{"age-secret-key", []string{"AGE-SECRET-KEY-"}, false, privatekeys.Age},
	{"aws-access-key-id", []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, false,
		regexp.MustCompile(`\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`)},
	{"github-token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, false,
		regexp.MustCompile(`\bgh[pousr]_[0-9A-Za-z]{36}\b`)},
	{"github-fine-grained-token", []string{"github_pat_"}, false,
		regexp.MustCompile(`\bgithub_pat_[0-9A-Za-z_]{82}\b`)},
	{"gitlab-token", []string{"glpat-"}, false,
		regexp.MustCompile(`\bglpat-[0-9A-Za-z_-]{20,}`)},
	{"slack-token", []string{"xox"}, false,
		regexp.MustCompile(`\bxox(?:b-[0-9]{10,13}-[0-9]{10,13}[0-9A-Za-z-]*|[pe](?:-[0-9]{10,13}){3}-[0-9A-Za-z-]{28,34}|[os]-[0-9]+-[0-9]+-[0-9]+-[0-9a-fA-F]+|[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,48})`)},
	{"stripe-secret-key", []string{"k_live_"}, false,
		regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{20,247}\b`)},
	{"google-api-key", []string{"AIza"}, false,
		regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	// A JSON Web Token: base64url of {"... (eyJ), twice, then a signature.
	{"jwt", []string{"eyJ"}, false,
		regexp.MustCompile(`\beyJ[0-9A-Za-z_-]{15,}\.eyJ[0-9A-Za-z_-]{15,}\.[0-9A-Za-z_-]{20,}`)},
}

// patternMatch is where a pattern matches in a file.
type patternMatch struct {
	name       string
	start, end int
}

// findPatterns returns the matches of the built-in patterns in b, without
// overlaps: of overlapping matches, the earlier pattern's.
func findPatterns(b []byte) []patternMatch {
	var found []patternMatch
	add := func(name string, start, end int) {
		for _, f := range found {
			if start < f.end && f.start < end {
				return
			}
		}
		found = append(found, patternMatch{name, start, end})
	}
	for _, p := range patterns {
		if p.multiline {
			for _, lit := range p.literals {
				if bytes.Contains(b, []byte(lit)) {
					for _, loc := range p.re.FindAllIndex(b, -1) {
						add(p.name, loc[0], loc[1])
					}
					break
				}
			}
			continue
		}
		searched := map[int]bool{} // lines, by their start
		for _, lit := range p.literals {
			for off := 0; off < len(b); {
				i := bytes.Index(b[off:], []byte(lit))
				if i < 0 {
					break
				}
				i += off
				start := bytes.LastIndexByte(b[:i], '\n') + 1
				end := bytes.IndexByte(b[i:], '\n')
				if end < 0 {
					end = len(b)
				} else {
					end += i
				}
				if !searched[start] {
					searched[start] = true
					for _, loc := range p.re.FindAllIndex(b[start:end], -1) {
						add(p.name, start+loc[0], start+loc[1])
					}
				}
				off = end + 1
			}
		}
	}
	return found
}
