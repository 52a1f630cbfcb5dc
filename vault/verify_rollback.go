package vault

import "sort"

// checkRollback is verification's last phase: the heads are recorded, and
// nothing this clone verified before may be gone.
func (vr *verification) checkRollback() {
	rep, st, prev := vr.rep, vr.st, vr.prev
	// Heads: entries no other entry names as parent.
	for _, n := range vr.nodes {
		if vr.children[n] == 0 {
			rep.Heads = append(rep.Heads, n.hash)
		}
	}
	sort.Strings(rep.Heads)
	st.heads = rep.Heads

	// Every head verified before on this branch must still exist. (Heads
	// are kept per branch: another branch may well be behind.)
	if prev != nil && prev.vault == vr.v.File.ID {
		for br, heads := range prev.seen {
			st.seen[br] = heads
		}
		if !vr.opts.AcceptRollback {
			for _, h := range prev.seen[vr.branch] {
				if _, ok := vr.byHash[h]; !ok {
					vr.add(CheckRollback, "", journalDir, "entry %s…, verified on this branch of this clone before, is gone: the journal went backwards (a rollback, a reset or a rewritten history; if that was deliberate: tresor verify --accept-rollback)", h[:16])
				}
			}
		}
	}
	st.seen[vr.branch] = rep.Heads
}
