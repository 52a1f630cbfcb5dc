package vault

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFindingsIsStable: verify lists its findings in one order,
// whatever order the concurrent checks produced them in.
func TestSortFindingsIsStable(t *testing.T) {
	want := []Finding{
		{Check: CheckStructure, Entry: "00000002-aa.entry", Message: "b"},
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
