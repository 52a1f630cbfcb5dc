package vault

import (
	"slices"
)

// noSuchSecret is the error for a name the verified journal does not
// record, with the closest recorded name as a hint when one is close: a
// typo, a wrong prefix.
func noSuchSecret(name string, st *verifiedState) error {
	hint := "tresor ls lists the secrets"
	if best := closestName(name, st); best != "" {
		hint = "did you mean " + best + "? (tresor ls lists the secrets)"
	}
	return problemf(ErrNotFound, hint, "no secret named %s", name)
}

// closestName returns the recorded name nearest to name by edit distance,
// if it is near enough to be a typo (at most a quarter of the name's
// length, and at least 1), else "".
func closestName(name string, st *verifiedState) string {
	names := make([]string, 0, len(st.secrets)+len(st.conflicts))
	for n := range st.secrets {
		names = append(names, n)
	}
	names = append(names, st.conflicts...)
	slices.Sort(names) // the same suggestion every time
	best, bestD := "", max(1, len(name)/4)+1
	for _, n := range names {
		if d := editDistance(name, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// limit or more (the rows stop early).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}
