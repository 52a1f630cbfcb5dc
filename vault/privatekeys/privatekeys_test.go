package privatekeys

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	age := "AGE-SECRET-KEY-1" + strings.Repeat("QPZRY9X8GF", 6)
	pq := "AGE-SECRET-KEY-PQ-1" + strings.Repeat("QPZRY9X8GF", 12)
	body := strings.Repeat("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", 3)
	for _, tt := range []struct{ text, want string }{
		{"# created: 2026\n" + age + "\n", "age"},
		{"TRESOR_IDENTITY=" + pq, "age"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\n" + body + "\n-----END OPENSSH PRIVATE KEY-----\n", "openssh"},
		{"-----BEGIN RSA PRIVATE KEY-----\n" + body + "\n-----END RSA PRIVATE KEY-----\n", "pem"},
		{"-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n", "pem"},
		// Documentation that names the shapes holds no key.
		{"set TRESOR_IDENTITY to the AGE-SECRET-KEY-1… line", ""},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----", ""},
		{"-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n", ""},
		{"age1pq1" + strings.Repeat("q", 80), ""},
	} {
		if got := Find([]byte(tt.text)); got != tt.want {
			t.Errorf("Find(%.40q…) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add([]byte("AGE-SECRET-KEY-1" + strings.Repeat("Q", 58)))
	f.Add([]byte("-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("A", 64) + "\n-----END RSA PRIVATE KEY-----"))
	// The literal prefilter must never hide a match of the shapes.
	f.Fuzz(func(t *testing.T, b []byte) {
		want := ""
		switch {
		case Age.Match(b):
			want = "age"
		case OpenSSH.Match(b):
			want = "openssh"
		case PEM.Match(b):
			want = "pem"
		}
		if got := Find(b); got != want {
			t.Fatalf("Find = %q, the shapes say %q", got, want)
		}
	})
}
