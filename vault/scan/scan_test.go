package scan

import (
	"fmt"
	"strings"
	"testing"
)

func TestScannerFile(t *testing.T) {
	token := "ghp" + "_" + strings.Repeat("aB3", 12)
	s := NewScanner([]Value{{"app/token", []byte(token)}, {"app/pw", []byte("hunter2-hunter2")}, {"app/pin", []byte("1234")}})
	if s.Skipped() != 1 {
		t.Errorf("Skipped = %d, want 1 (the pin)", s.Skipped())
	}
	content := "a: hunter2-hunter2 and hunter2-hunter2 again\n" + // once per line
		"b: " + token + "\n" + // the vault's value, named, not the pattern
		"c: hunter2-hunter2 # tresor:allow\n" +
		"d: ghp" + "_" + strings.Repeat("Zz9", 12) + "\n" + // a pattern only
		"e: 1234\n"
	got := s.File("f.txt", []byte(content))
	want := []Finding{
		{File: "f.txt", Line: 1, Kind: KindSecret, What: "app/pw", Form: "value", Masked: "*****"},
		{File: "f.txt", Line: 2, Kind: KindSecret, What: "app/token", Form: "value", Masked: "*****"},
		{File: "f.txt", Line: 4, Kind: KindPattern, What: "github-token", Masked: "ghp_*****"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	for _, f := range got {
		if strings.Contains(fmt.Sprint(f), "hunter2") || strings.Contains(fmt.Sprint(f), "aB3aB3") {
			t.Errorf("finding holds a value: %v", f)
		}
	}
	if got := NewScanner(nil).File("g", []byte("nothing here\n")); len(got) != 0 {
		t.Errorf("found %v in a clean file", got)
	}
}

func TestVaultFiles(t *testing.T) {
	files := []File{
		{Path: "README", Content: []byte("x")},
		{Path: "team/.tresor/notes.txt", Content: []byte("x")},
		{Path: "team/.tresor/secrets/a.secret", Content: []byte("not a secret file")},
	}
	found, rest := VaultFiles(files, "team/.tresor/", true)
	if len(found) != 2 || len(rest) != 3 {
		t.Errorf("found %v, rest %d", found, len(rest))
	}
}

// BenchmarkFile is one file of ordinary text against 1,000 secrets and the
// patterns (tresor scan's cost per byte).
func BenchmarkFile(b *testing.B) {
	values := make([]Value, 1000)
	for i := range values {
		values[i] = Value{fmt.Sprint("app/s", i), []byte(fmt.Sprintf("secret-value-%08d-xyzzy", i*7919))}
	}
	s := NewScanner(values)
	line := "2026-11-28T18:00:00Z INFO GET /api/v1/users 200 OK id=9f8e7d6c AKIDLIKE latency=183us user=alice region eu-west-1\n"
	content := []byte(strings.Repeat(line, (1<<20)/len(line)))
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		s.File("f", content)
	}
}
