package scan

import (
	"bytes"
	"regexp"
)

// A pattern is a well-known credential format, found by its shape alone:
// credentials that were never put into the vault are caught too. Each has a
// literal that every match contains, so that a file without it costs one
// substring search instead of a regular expression.
type pattern struct {
	name    string
	literal string
	re      *regexp.Regexp
}

// patterns are the built-in formats, most specific first: where two match
// the same text, the first one names it. The formats are the issuers'
// documented token shapes (as gitleaks' rules also describe them).
var patterns = []pattern{
	{"openssh-private-key", "-----BEGIN OPENSSH PRIVATE KEY-----",
		regexp.MustCompile(`-----BEGIN OPENSSH PRIVATE KEY-----[A-Za-z0-9+/=\r\n]{64,}-----END OPENSSH PRIVATE KEY-----`)},
	{"private-key", "PRIVATE KEY",
		regexp.MustCompile(`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=:,\- \t\r\n]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`)},
	// age's identities: Bech32 (its own 32-letter alphabet) after the
	// separator 1; post-quantum ones are longer.
	{"age-secret-key", "AGE-SECRET-KEY-",
		regexp.MustCompile(`AGE-SECRET-KEY-(?:PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58,}`)},
	{"aws-access-key-id", "A",
		regexp.MustCompile(`\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`)},
	{"github-token", "gh",
		regexp.MustCompile(`\bgh[pousr]_[0-9A-Za-z]{36}\b`)},
	{"github-fine-grained-token", "github_pat_",
		regexp.MustCompile(`\bgithub_pat_[0-9A-Za-z_]{82}\b`)},
	{"gitlab-token", "glpat-",
		regexp.MustCompile(`\bglpat-[0-9A-Za-z_-]{20,}`)},
	{"slack-token", "xox",
		regexp.MustCompile(`\bxox(?:b-[0-9]{10,13}-[0-9]{10,13}[0-9A-Za-z-]*|[pe](?:-[0-9]{10,13}){3}-[0-9A-Za-z-]{28,34}|[os]-[0-9]+-[0-9]+-[0-9]+-[0-9a-fA-F]+|[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,48})`)},
	{"stripe-secret-key", "_live_",
		regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{20,247}\b`)},
	{"google-api-key", "AIza",
		regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},
	// A JSON Web Token: base64url of {"... (eyJ), twice, then a signature.
	{"jwt", "eyJ",
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
	for _, p := range patterns {
		if !bytes.Contains(b, []byte(p.literal)) {
			continue
		}
	next:
		for _, loc := range p.re.FindAllIndex(b, -1) {
			for _, f := range found {
				if loc[0] < f.end && f.start < loc[1] {
					continue next
				}
			}
			found = append(found, patternMatch{p.name, loc[0], loc[1]})
		}
	}
	return found
}
