package vault

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFindingsIsStable: verify lists its findings in one order,
// whatever order the concurrent checks produced them in.
func TestSortFindingsIsStable(t *testing.T) {
	want := []Finding{
		{Check: CheckStructure, Entry: "00000002-aa.entry", Message: "b"},
		{Check: CheckStructure, Message: "1 entries could not be checked"},
		{Check: CheckSignature, Entry: "00000001-bb.entry", Message: "a"},
		{Check: CheckSignature, Entry: "00000003-cc.entry", Message: "a"},
		{Check: CheckFiles, File: "secrets/a.secret", Message: "x"},
		{Check: CheckFiles, File: "secrets/b.secret", Message: "w"},
		{Check: CheckFiles, File: "secrets/b.secret", Message: "y"},
		{Check: CheckRollback, Message: "gone"},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		sortFindings(got)
		if !slices.Equal(got, want) {
			t.Fatalf("sortFindings = %v\nwant %v", got, want)
		}
	}
}

// TestVerifyProgress: Verify reports its progress over the journal's
// entries and ends at the total.
func TestVerifyProgress(t *testing.T) {
	alice := mustIdentity(t)
	v, _ := initTestVault(t, alice, nil)
	for i := range 5 {
		if _, err := v.Set(fmt.Sprintf("app/k%d", i), []byte("v"), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var last [2]int
	calls := 0
	rep, err := v.Verify(VerifyOptions{Full: true, Progress: func(done, total int) {
		if done > total {
			t.Errorf("progress %d/%d", done, total)
		}
		last = [2]int{done, total}
		calls++
	}})
	if err != nil || !rep.OK() {
		t.Fatalf("Verify: %v %v", err, rep)
	}
	if calls == 0 || last != [2]int{rep.Entries, rep.Entries} {
		t.Fatalf("progress ended at %v after %d calls, want %d/%d", last, calls, rep.Entries, rep.Entries)
	}
}
