// Package privatekeys recognizes private keys by their shape: age
// identities (X25519 and post-quantum) and PEM or OpenSSH private keys. It
// has no I/O; tresor scan and tresor verify use it on files of the work
// tree, where a key (a deploy key written next to the code) is one
// `git add -A` away from being committed.
package privatekeys

import (
	"bytes"
	"regexp"
)

// The shapes, most specific first. age's identities are Bech32 (its own
// 32-letter alphabet) after the separator 1; post-quantum ones are longer.
var (
	OpenSSH = regexp.MustCompile(`-----BEGIN OPENSSH PRIVATE KEY-----[A-Za-z0-9+/=\r\n \t]{64,}-----END OPENSSH PRIVATE KEY-----`)
	PEM     = regexp.MustCompile(`-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=:,\- \t\r\n]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----`)
	Age     = regexp.MustCompile(`AGE-SECRET-KEY-(?:PQ-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58,}`)
)

// Literals every match of the shapes holds: a file without one is not
// searched with the expressions.
var (
	pemLiteral = []byte("PRIVATE KEY-----")
	ageLiteral = []byte("AGE-SECRET-KEY-")
)

// Find reports the kind of the first private key in b ("age", "openssh",
// "pem"), or "".
func Find(b []byte) string {
	if bytes.Contains(b, ageLiteral) && Age.Match(b) {
		return "age"
	}
	if bytes.Contains(b, pemLiteral) {
		if OpenSSH.Match(b) {
			return "openssh"
		}
		if PEM.Match(b) {
			return "pem"
		}
	}
	return ""
}
