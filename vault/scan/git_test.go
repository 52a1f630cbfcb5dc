package scan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

const blobA = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
const blobB = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad"

func TestParseRawDiff(t *testing.T) {
	out := ":000000 100644 0000000000000000000000000000000000000000 " + blobA + " A\x00new file.txt\x00" +
		":100644 100644 " + blobA + " " + blobB + " M\x00dir/changed\nname\x00" +
		":000000 160000 0000000000000000000000000000000000000000 " + blobB + " A\x00submodule\x00" +
		":100644 000000 " + blobA + " 0000000000000000000000000000000000000000 D\x00gone\x00"
	got, err := parseRawDiff([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []stagedBlob{{"new file.txt", blobA, true}, {"dir/changed\nname", blobB, false}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"x\x00", ":100644 100644 abc def M\x00p\x00", ":1 2 3\x00p\x00", ":100644 100644 " + blobA + " " + blobB + " M\x00"} {
		if _, err := parseRawDiff([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseBatch(t *testing.T) {
	out := blobA + " blob 0\n\n" + blobB + " blob 6\nab\ncd\n\n"
	got, err := parseBatch([]byte(out), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 0 || string(got[1]) != "ab\ncd\n" {
		t.Errorf("got %q", got)
	}
	for _, bad := range []string{blobA + " missing\n", blobA + " blob 7\nab\ncd\n\n", blobA + " blob 6\nab\ncd\n"} {
		if _, err := parseBatch([]byte(bad), 1); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// The parsers of git's output never panic, and what they return is in
// their input.
func FuzzParseRawDiff(f *testing.F) {
	f.Add([]byte(":000000 100644 0000000000000000000000000000000000000000 " + blobA + " A\x00new file.txt\x00"))
	f.Add([]byte(":100644 100644 " + blobA + " " + blobB + " M\x00a\x00:1 2 3 4 5\x00b\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parseRawDiff(b)
		if err != nil {
			return
		}
		for _, s := range got {
			if !bytes.Contains(b, []byte(s.path)) || !isHex(s.blob) || s.path == "" {
				t.Fatalf("bad %v", s)
			}
		}
	})
}

func FuzzParseBatch(f *testing.F) {
	f.Add([]byte(blobA+" blob 0\n\n"+blobB+" blob 6\nab\ncd\n\n"), 2)
	f.Add([]byte(blobA+" blob 99999999999\n"), 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 100 {
			return
		}
		got, err := parseBatch(b, n)
		if err != nil {
			return
		}
		if len(got) != n {
			t.Fatalf("%d objects, want %d", len(got), n)
		}
		total := 0
		for _, c := range got {
			total += len(c)
		}
		if total > len(b) || !strings.Contains(string(b), "blob") && n > 0 {
			t.Fatal("content from nowhere")
		}
	})
}
