package scan

import (
	"strings"
	"testing"
)

// The examples are assembled at run time, so that no scanner (this one
// included) takes this file for a leak.
func rep(s string, n int) string { return strings.Repeat(s, n) }

func TestPatterns(t *testing.T) {
	const b32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	tests := []struct {
		name, hit, miss string
	}{
		{"openssh-private-key",
			"-----BEGIN OPENSSH" + " PRIVATE KEY-----\n" + rep("b3BlbnNzaC1rZXktdjEAAAAA\n", 4) + "-----END OPENSSH PRIVATE KEY-----",
			"-----BEGIN OPENSSH" + " PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----"},
		{"private-key",
			"-----BEGIN RSA" + " PRIVATE KEY-----\n" + rep("MIIEowIBAAKCAQEAv3x5q2Zk\n", 4) + "-----END RSA PRIVATE KEY-----",
			"-----BEGIN PUBLIC" + " KEY-----\n" + rep("MIIEowIBAAKCAQEAv3x5q2Zk\n", 4) + "-----END PUBLIC KEY-----"},
		{"age-secret-key",
			"AGE-SECRET" + "-KEY-1" + strings.ToUpper(rep(b32, 2)[:58]),
			"AGE-SECRET" + "-KEY-1" + strings.ToUpper(rep(b32, 2)[:57]) + "B"}, // 'B' is not Bech32
		{"aws-access-key-id", "id=AKIA" + "IOSFODNN7EXAMPLE\n", "AKIA" + "IOSFODNN7EXAMPLE1"}, // one too long
		{"github-token", "ghp" + "_" + rep("aB3", 12), "ghp" + "_" + rep("aB3", 11)},
		{"github-fine-grained-token", "github" + "_pat_" + rep("11AbC_", 13) + "x123", "github" + "_pat_" + rep("11AbC_", 10)},
		{"gitlab-token", "glpat" + "-" + rep("x1Y2z", 4), "glpat" + "-" + rep("x1Y2z", 3)},
		{"slack-token", "xoxb" + "-1234567890-1234567890-" + rep("aB1", 8), "xoxb" + "-your-token-here"},
		{"stripe-secret-key", "sk" + "_live_" + rep("4eC39HqL", 3), "sk" + "_test_" + rep("4eC39HqL", 3)},
		{"google-api-key", "AIza" + "Sy" + rep("A1b_C", 6) + "-2x", "AIza" + "Sy" + rep("A1b_C", 5)},
		{"jwt", "eyJ" + "hbGciOiJIUzI1NiJ9" + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0" + "." + rep("SflKxwRJSMeKKF2QT4", 2),
			"eyJ" + "hbGciOiJIUzI1NiJ9" + ".notjson" + "." + rep("SflKxwRJSMeKKF2QT4", 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findPatterns([]byte("before " + tt.hit + " after"))
			if len(got) != 1 || got[0].name != tt.name {
				t.Errorf("%q: found %v, want one %s", tt.hit, got, tt.name)
			}
			if got := findPatterns([]byte("before " + tt.miss + " after")); len(got) != 0 {
				t.Errorf("near miss %q: found %v", tt.miss, got)
			}
		})
	}
}

// Every occurrence is found, on any line, however many lines hold a
// pattern's literal without a match.
func TestPatternsEveryLine(t *testing.T) {
	tok := func(c string) string { return "ghp" + "_" + rep(c, 36) }
	b := "ghp_ no\n" + tok("a") + " ghp_ " + tok("b") + "\nghp_\n\n" + tok("c")
	got := findPatterns([]byte(b))
	if len(got) != 3 {
		t.Fatalf("found %v, want 3", got)
	}
	for i, c := range []string{"a", "b", "c"} {
		if b[got[i].start:got[i].end] != tok(c) {
			t.Errorf("match %d is %q", i, b[got[i].start:got[i].end])
		}
	}
}
