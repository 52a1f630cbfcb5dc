package scan

import (
	"strings"
	"testing"
)

func TestParseAllowList(t *testing.T) {
	good := "# findings tresor scan lets through\nallow:\n  - fingerprint: 0123456789abcdef0123\n    reason: a test fixture\n  - fingerprint: ffffffffffffffffffff\n"
	l, err := ParseAllowList([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if !l.Allows("0123456789abcdef0123") || !l.Allows("ffffffffffffffffffff") || l.Allows("0000000000000000000") {
		t.Errorf("Allows wrong: %+v", l)
	}
	for _, empty := range []string{"", "# nothing yet\n", "allow: []\n"} {
		if l, err := ParseAllowList([]byte(empty)); err != nil || l.Allows("") {
			t.Errorf("%q: %v", empty, err)
		}
	}
	for _, bad := range []string{
		"allow:\n  - fingerprint: 0123\n",                                 // short
		"allow:\n  - fingerprint: 0123456789ABCDEF0123\n",                 // upper case
		"allow:\n  - fingerprnt: 0123456789abcdef0123\n",                  // typo
		"allowed:\n  - fingerprint: 0123456789abcdef0123\n",               // typo
		"allow: everything\n",                                             // not a list
		"allow: []\n---\nallow:\n  - fingerprint: 0123456789abcdef0123\n", // two documents
		strings.Repeat("#", MaxAllowFileSize+1),
	} {
		if _, err := ParseAllowList([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad[:min(len(bad), 60)])
		}
	}
	var nilList *AllowList
	if nilList.Allows("0123456789abcdef0123") {
		t.Error("a nil list allows")
	}
}

// A fingerprint never depends on a secret's value, and differs between
// vaults; a pattern's depends on what matched.
func TestFingerprint(t *testing.T) {
	f := Finding{File: "a.txt", Line: 3, Kind: KindSecret, What: "app/pw", Form: "value"}
	fp := Fingerprint("vault-1", f, []byte("hunter2-hunter2"))
	if fp != Fingerprint("vault-1", f, []byte("another-value")) || !fingerprintPattern.MatchString(fp) {
		t.Error("a secret's fingerprint depends on the value")
	}
	f.Line = 9
	if fp != Fingerprint("vault-1", f, nil) {
		t.Error("the fingerprint depends on the line")
	}
	if fp == Fingerprint("vault-2", f, nil) {
		t.Error("the fingerprint is the same in another vault")
	}
	p := Finding{File: "a.txt", Kind: KindPattern, What: "github-token"}
	if Fingerprint("vault-1", p, []byte("x1")) == Fingerprint("vault-1", p, []byte("x2")) {
		t.Error("a pattern's fingerprint ignores what matched")
	}
}

func TestScannerAllow(t *testing.T) {
	s := NewScanner([]Value{{"app/pw", []byte("hunter2-hunter2")}})
	content := []byte("a: hunter2-hunter2\n")
	got := s.File("f", content)
	if len(got) != 1 || got[0].Fingerprint != "" {
		t.Fatalf("without a vault: %v", got)
	}
	s.Allow("vault-1", nil)
	got = s.File("f", content)
	if len(got) != 1 || got[0].Fingerprint == "" {
		t.Fatalf("with a vault: %v", got)
	}
	s.Allow("vault-1", &AllowList{Allow: []Allowance{{Fingerprint: got[0].Fingerprint}}})
	if got := s.File("f", content); len(got) != 0 {
		t.Errorf("allowed finding reported: %v", got)
	}
	if got := s.File("other", content); len(got) != 1 {
		t.Errorf("the allowance covers another file: %v", got)
	}
	vf := []Finding{{File: ".tresor/x", Kind: KindVault, What: "is not part of a tresor vault"}}
	if got := s.Filter(vf); len(got) != 1 || got[0].Fingerprint == "" {
		t.Errorf("Filter: %v", got)
	}
}

// ParseAllowList never panics, and what it accepts holds only well-formed
// fingerprints.
func FuzzParseAllowList(f *testing.F) {
	f.Add([]byte("allow:\n  - fingerprint: 0123456789abcdef0123\n    reason: a test fixture\n"))
	f.Add([]byte("allow: []\n"))
	f.Add([]byte("allow:\n  - {fingerprint: 0123456789abcdef0123, reason: [1]}\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseAllowList(b)
		if err != nil {
			return
		}
		for _, a := range l.Allow {
			if !fingerprintPattern.MatchString(a.Fingerprint) {
				t.Fatalf("accepted %q", a.Fingerprint)
			}
		}
	})
}
