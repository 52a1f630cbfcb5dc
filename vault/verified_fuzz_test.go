package vault

import (
	"bytes"
	"testing"
)

// The verified state is read from this clone's own state directory, but a
// damaged file must never crash a read: it parses, or it is refused (and
// the journal is verified again).
func FuzzParseVerifiedState(f *testing.F) {
	st := newVerifiedState()
	st.vault, st.stamp, st.maxSeq, st.policy = "0123456789abcdef0123456789abcdef", "1.2 abc", 7, "sha256:00"
	st.heads = []string{"aa"}
	st.secrets["app/a"], st.entryOf["app/a"] = "sha256:11", "00000002-0123456789abcdef.entry"
	st.idents["00000002-0123456789abcdef.entry"] = "10.20.3.4.5.6"
	st.always["00000001-0123456789abcdef.entry"] = true
	st.idents["00000001-0123456789abcdef.entry"] = "1.2.3"
	st.conflicts, st.conflictHashes = []string{"app/b"}, [][]string{{"sha256:22", ""}}
	st.revoked["app/b"] = true
	st.policyFile, st.policyEntry = "sha256:33", "00000001-0123456789abcdef.entry" // policy.yaml with unsigned edits
	f.Add(st.marshal())
	f.Add([]byte(verifiedTag + "\nvault x\ns a b\ns\ne\nE x\nconflict\nseen x\n"))
	f.Add([]byte("tresor-verified/v1\nvault x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseVerifiedState(b)
		if err != nil {
			return
		}
		again, err := parseVerifiedState(st.marshal())
		if err != nil {
			t.Fatalf("a parsed state does not parse after marshal: %v", err)
		}
		if !bytes.Equal(again.marshal(), st.marshal()) {
			t.Fatalf("marshal is not stable:\n%s\n%s", st.marshal(), again.marshal())
		}
	})
}
