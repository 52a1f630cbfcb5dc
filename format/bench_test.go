package format

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkParseEntry: verify parses every journal entry, so this is paid
// 100,000 times on a big vault.
func BenchmarkParseEntry(b *testing.B) {
	e := &Entry{Seq: 42, Parents: Names{strings.Repeat("7", 64)}, Time: time.Date(2026, 11, 25, 18, 40, 0, 0, time.UTC),
		Actor: "ops-lead", Action: ActionSet, Target: "prod/db/password", File: "sha256:" + strings.Repeat("1", 64),
		Details: &Details{Version: 3, Readers: Names{"a", "b"}}}
	unsigned, err := e.MarshalUnsigned()
	if err != nil {
		b.Fatal(err)
	}
	file := (&SignedEntry{Entry: *e, Signed: unsigned, Signature: "ed25519:" + strings.Repeat("A", 86) + "=="}).Marshal()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseEntry(file); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSecret: exec parses every selected secret's header.
func BenchmarkParseSecret(b *testing.B) {
	now := time.Date(2026, 11, 25, 18, 40, 0, 0, time.UTC)
	sf, err := NewSecretFile(SecretHeader{Name: "prod/db/password", Env: "DB_PASSWORD", Version: 3, Created: now, Updated: now, Readers: Names{"a", "b"}})
	if err != nil {
		b.Fatal(err)
	}
	sf.Armored = []byte(ArmorBegin + strings.Repeat("A", 64) + "\n" + ArmorEnd)
	file := sf.Marshal()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseSecret(file); err != nil {
			b.Fatal(err)
		}
	}
}
