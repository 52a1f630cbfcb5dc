package vault

import (
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

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
	// Reads depend on the heads (a write's parents) and on the entries
	// that set the policy in force.
	for _, n := range vr.nodes {
		if vr.children[n] == 0 || n.policy != nil && n.policy.node == n {
			st.pin(vr.v, n.file)
			st.always[n.file] = true
		}
	}
	for _, n := range vr.nodes {
		if vr.children[n] == 0 && !n.broken {
			rep.Pin = n.hash // nodes are in seq order: the last head wins
		}
	}

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
	vr.checkHistory()
	vr.checkPin()
}

// checkHistory catches what a fresh clone can: the journal is append-only,
// so an entry file deleted by any commit of the current branch (a revert,
// a reset that was pushed and merged) and missing now is a rollback.
func (vr *verification) checkHistory() {
	if vr.opts.AcceptRollback {
		return
	}
	r := <-vr.history
	h, err := r.h, r.err
	if err != nil {
		vr.add(CheckRollback, "", journalDir, "cannot read the branch's history to check for deleted entries: %v", err)
		return
	}
	if !h.inGit {
		return
	}
	if h.shallow {
		vr.rep.Notes = append(vr.rep.Notes, "this is a shallow clone: entries deleted before its first commit cannot be seen; pin the journal with tresor verify --since HASH (docs/ci.md)")
	}
	present := make(map[string]bool, len(vr.nodes))
	for _, n := range vr.nodes {
		present[n.file] = true
	}
	var gone []string
	for name := range h.deleted {
		if !present[name] {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		c := h.deleted[name]
		if !vr.wasGenuine(name, h, c) {
			// An entry no member signed (a forgery that was reverted)
			// takes nothing away when it goes.
			continue
		}
		vr.add(CheckRollback, name, journalDir, "was deleted by commit %s of this branch and is missing: the journal is append-only, so this is a rollback (a revert or reset of .tresor/); restore the entries from git (git checkout %s^ -- %s/journal), or run tresor verify --accept-rollback if it was deliberate",
			short12(c), short12(c), DirName)
	}
}

// wasGenuine reports whether a deleted entry file, as git's history has
// it, was signed by its actor with a key some policy of this journal gives
// that member: losing such an entry loses a real change. What cannot be
// read back from git counts as genuine.
func (vr *verification) wasGenuine(name string, h *journalHistory, commit string) bool {
	b, err := h.show(name, commit)
	if err != nil {
		return true
	}
	_, prefix, ok := format.ParseEntryFileName(name)
	if !ok || !strings.HasPrefix(crypto.HashHex(b), prefix) {
		return false // not the file its name promises: never a journal entry
	}
	e, err := format.ParseEntry(b)
	if err != nil {
		return false
	}
	for _, n := range vr.nodes {
		if n.own == nil {
			continue
		}
		if key, ok := n.own.signers[e.Actor]; ok && crypto.Verify(key, e.Signed, e.Signature) == nil {
			return true
		}
	}
	return false
}

// checkPin checks the caller's pin (verify --since HASH): the journal must
// hold that entry, verified, so nothing before it was rolled back. A
// shallow clone, which cannot see deletions in history, relies on it.
func (vr *verification) checkPin() {
	pin := vr.opts.Since
	if pin == "" {
		return
	}
	n := vr.byHash[pin]
	switch {
	case n == nil:
		vr.add(CheckRollback, "", journalDir, "the pinned entry %s… is not in the journal: it was rolled back, or this is another vault", pin[:16])
	case n.broken:
		vr.add(CheckRollback, n.file, journalDir, "the pinned entry does not verify (see above)")
	}
}

func short12(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
