package cmd

import (
	"bytes"
	"strings"
	"testing"
)

// The diff policy apply and policy edit show must be exact: the old text
// is its context and removed lines, the new text its context and added
// lines, in order.
func FuzzDiffLines(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Add("", "x\n")
	f.Add("rules:\n  - a\nadmins: [x]\n", "rules:\n  - b\n  - a\nadmins: [y]\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		ops := diffLines(splitLines(a), splitLines(b))
		var gotA, gotB []string
		for _, op := range ops {
			switch op.kind {
			case ' ':
				gotA, gotB = append(gotA, op.line), append(gotB, op.line)
			case '-':
				gotA = append(gotA, op.line)
			case '+':
				gotB = append(gotB, op.line)
			default:
				t.Fatalf("op %q", op.kind)
			}
		}
		if strings.Join(gotA, "\n") != strings.Join(splitLines(a), "\n") || strings.Join(gotB, "\n") != strings.Join(splitLines(b), "\n") {
			t.Fatalf("the diff does not give back both texts:\n%q\n%q\n%v", a, b, ops)
		}
	})
}

func TestWriteLineDiff(t *testing.T) {
	old := "tresor: policy/v1\nmembers:\n  alice: {}\ngroups:\n  admins: [alice]\nrules:\n  - {path: '**', read: [admins], write: [admins]}\nadmins: [admins]\n"
	next := strings.Replace(old, "rules:\n", "rules:\n  - {path: dev/**, read: [dev], write: [dev]}\n", 1)
	var out bytes.Buffer
	writeLineDiff(&out, &terminal{}, "signed policy", "proposed policy", []byte(old), []byte(next))
	want := "--- signed policy\n+++ proposed policy\n@@\n   admins: [alice]\n rules:\n+  - {path: dev/**, read: [dev], write: [dev]}\n   - {path: '**', read: [admins], write: [admins]}\n admins: [admins]\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
