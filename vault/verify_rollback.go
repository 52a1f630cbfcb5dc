package vault

import (
	"crypto/ed25519"
	"fmt"
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
	// that set the policy in force. A journal of up to fullPinLimit
	// entries has all of them checked on every read (a few hundred
	// fstatat cost well under a millisecond), so that any entry rewritten
	// in place stops reads, not only verify and log.
	all := len(vr.nodes) <= fullPinLimit
	for _, n := range vr.nodes {
		if all || vr.children[n] == 0 || n.policy != nil && n.policy.node == n {
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

// fullPinLimit is the largest journal whose every entry a read checks.
const fullPinLimit = 5000

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
		// Like a shallow clone: say what could not be checked (git may
		// refuse a repository another user owns: safe.directory).
		vr.rep.Notes = append(vr.rep.Notes, fmt.Sprintf("cannot read the branch's history to check for deleted entries (%v); pin the journal with tresor verify --since HASH (docs/ci.md)", err))
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
	deleted := map[string]*format.SignedEntry{}
	for _, name := range gone {
		deleted[name] = readDeletedEntry(name, h)
	}
	keys := vr.memberKeys(deleted)
	for _, name := range gone {
		c := h.deleted[name]
		if e := deleted[name]; e != nil && !signedByMember(e, keys) {
			// An entry no member signed (a forgery that was reverted)
			// takes nothing away when it goes.
			continue
		}
		vr.add(CheckRollback, name, journalDir, "was deleted by commit %s of this branch and is missing: the journal is append-only, so this is a rollback (a revert or reset of .tresor/); restore the entries from git (git checkout %s^ -- %s/journal), or run tresor verify --accept-rollback if it was deliberate",
			short12(c), short12(c), DirName)
	}
}

// readDeletedEntry reads a deleted entry file back from git's history, as
// it was before the commit that deleted it. It returns nil when it cannot
// be read (it then counts as genuine), and an empty entry when it is not
// the entry its name promises (never a journal entry: no loss).
func readDeletedEntry(name string, h *journalHistory) *format.SignedEntry {
	b, err := h.show(name, h.deleted[name])
	if err != nil {
		return nil
	}
	_, prefix, ok := format.ParseEntryFileName(name)
	if !ok || !strings.HasPrefix(crypto.HashHex(b), prefix) {
		return &format.SignedEntry{}
	}
	e, err := format.ParseEntry(b)
	if err != nil {
		return &format.SignedEntry{}
	}
	return e
}

// memberKeys are the signing keys every policy gave each member: the
// policies in the journal now, and those that deleted entries set (a
// history replaced wholesale, genesis and all, still had its members).
func (vr *verification) memberKeys(deleted map[string]*format.SignedEntry) map[string][]ed25519.PublicKey {
	keys := map[string][]ed25519.PublicKey{}
	addPolicy := func(signers map[string]ed25519.PublicKey) {
		for m, k := range signers {
			keys[m] = append(keys[m], k)
		}
	}
	for _, n := range vr.nodes {
		if n.own != nil {
			addPolicy(n.own.signers)
		}
	}
	for _, e := range deleted {
		if e == nil || e.Details == nil || e.Details.Policy == "" {
			continue
		}
		if e.Action != format.ActionInit && e.Action != format.ActionPolicy {
			continue
		}
		if p, err := format.ParsePolicy([]byte(e.Details.Policy)); err == nil {
			addPolicy(policySigners(p))
		}
	}
	return keys
}

// signedByMember reports whether e was signed by its actor with a key some
// known policy gave that member: losing it loses a real change. A deleted
// entry no member signed (a forgery someone reverted) takes nothing away.
func signedByMember(e *format.SignedEntry, keys map[string][]ed25519.PublicKey) bool {
	if e.Actor == "" {
		return false
	}
	for _, k := range keys[e.Actor] {
		if crypto.Verify(k, e.Signed, e.Signature) == nil {
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
