package vault

import (
	"crypto/ed25519"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// replay is verification's second phase: it walks the entries in
// topological order (seq strictly grows along edges), works out the policy
// in force for each, and judges the entry under it. Signatures are checked
// by workers meanwhile; finishSignatures collects their verdicts.
func (vr *verification) replay() {
	v, nodes, add := vr.v, vr.nodes, vr.add
	// 2. Replay in topological order (seq strictly grows along edges).
	clocks := newClockBuilder()
	now := v.now().UTC()
	// Signatures are checked by workers while the replay goes on (it is
	// sequential and would leave a core idle) and while the files are
	// checked: they are the floor of verification's cost.
	// They are checked in batches (see crypto.VerifyBatch), which costs a
	// fraction of checking each alone.
	type sigJob struct {
		n   *vnode
		key ed25519.PublicKey
	}
	sigBatches := make(chan []sigJob, 64)
	var sigWG sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		sigWG.Add(1)
		go func() {
			defer sigWG.Done()
			for batch := range sigBatches {
				checks := make([]crypto.SignatureCheck, len(batch))
				for i, j := range batch {
					checks[i] = crypto.SignatureCheck{Key: j.key, Message: j.n.entry.Signed, Signature: j.n.entry.Signature}
				}
				for i, ok := range crypto.VerifyBatch(checks) {
					batch[i].n.badSig = !ok
				}
			}
		}()
	}
	var pending []sigJob
	frontier := map[string][]write{}
	var policyFrontier []*policyNode
	skipped := 0
	for _, n := range nodes {
		for _, p := range n.parents {
			if p.broken {
				n.broken = true
			}
		}
		if n.broken {
			skipped++
			continue
		}
		pcs := make([]*chainClock, len(n.parents))
		for i, p := range n.parents {
			pcs[i] = p.clock
		}
		n.clock = clocks.next(pcs)
		e := n.entry
		if e.Time.After(now.Add(maxClockSkew)) {
			add(CheckSignature, n.file, "", "time %s is in the future", e.Time.Format(time.RFC3339))
		}

		// The policy in force: the latest policy set among the ancestors.
		before, concurrent := policyBefore(n)
		if e.Action == format.ActionInit {
			pn, msg := newPolicyNode(n, v.File)
			if msg != "" {
				add(CheckSignature, n.file, "", "%s", msg)
				n.broken = true
				continue
			}
			before = pn
		}
		if concurrent != nil && e.Action != format.ActionPolicy {
			// Judge the entry under both policies: it must be allowed by each.
			if msg := authorize(concurrent, e); msg != "" {
				add(CheckSignature, n.file, "", "%s (under the concurrent policy of journal/%s)", msg, concurrent.node.file)
			}
		}
		if before == nil {
			add(CheckSignature, n.file, "", "no policy is in force (its ancestry has no genesis)")
			n.broken = true
			continue
		}
		key, ok := before.signers[e.Actor]
		switch {
		case !ok && before.policy.Members[e.Actor].Recipient == "":
			add(CheckSignature, n.file, "", "actor %s is not a member under the policy in force", e.Actor)
		case !ok:
			add(CheckSignature, n.file, "", "actor %s has no signing key, so cannot write", e.Actor)
		case !n.known:
			vr.signed = append(vr.signed, n)
			if pending = append(pending, sigJob{n, key}); len(pending) == sigBatchSize {
				sigBatches <- pending
				pending = nil
			}
		}
		authorized := true
		if msg := authorize(before, e); msg != "" {
			add(CheckSignature, n.file, "", "%s", msg)
			authorized = false
		} else if msg := readersAsPolicy(before, e); msg != "" {
			add(CheckSignature, n.file, "", "%s", msg)
		}
		// Entries must not be dated before their parents (beyond a day of
		// clock skew between machines): a backdated entry would hide from
		// tresor log --since.
		for _, p := range n.parents {
			if e.Time.Before(p.entry.Time.Add(-maxBackdate)) {
				add(CheckSignature, n.file, "", "time %s is before its parent journal/%s (%s): backdated", e.Time.Format(time.RFC3339), p.file, p.entry.Time.Format(time.RFC3339))
				break
			}
		}
		n.policy = before
		switch e.Action {
		case format.ActionPolicy:
			if concurrent != nil && !concurrent.policy.IsAdmin(e.Actor) {
				add(CheckSignature, n.file, "", "member %s is not an admin under the concurrent policy of journal/%s", e.Actor, concurrent.node.file)
			}
			if !authorized {
				continue // an unauthorized policy never comes into force
			}
			pn, msg := newPolicyNode(n, nil)
			if msg != "" {
				add(CheckSignature, n.file, "", "%s", msg)
				continue
			}
			n.policy = pn
			policyFrontier = advance(policyFrontier, pn)
		case format.ActionInit:
			n.policy = before
			policyFrontier = advance(policyFrontier, before)
		}
		for name, h := range writesOf(e) {
			frontier[name] = supersede(frontier[name], write{node: n, hash: h})
		}
	}
	vr.frontier, vr.policyFrontier = frontier, policyFrontier
	if len(pending) > 0 {
		sigBatches <- pending
	}
	close(sigBatches)
	vr.sigDone = sigWG.Wait
	if skipped > 0 {
		add(CheckStructure, "", journalDir, "%d entries could not be checked: they are, or descend from, one reported above", skipped)
	}


}

// finishSignatures waits for the signature workers and reports what failed.
func (vr *verification) finishSignatures() {
	vr.sigDone()
	for _, n := range vr.signed {
		if n.badSig {
			vr.add(CheckSignature, n.file, "", "signature does not verify with %s's key (forged or edited)", n.entry.Actor)
		}
	}
}

// policyBefore returns the policy in force for n: the one after its
// parents. When parents carry different policies and neither descends from
// the other, the second is returned as concurrent.
func policyBefore(n *vnode) (in, concurrent *policyNode) {
	var cands []*policyNode
	for _, p := range n.parents {
		if p.policy != nil {
			cands = advance(cands, p.policy)
		}
	}
	switch len(cands) {
	case 0:
		return nil, nil
	case 1:
		return cands[0], nil
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].node.entry.Seq > cands[j].node.entry.Seq })
	return cands[0], cands[1]
}

// advance adds p to a set of policy versions, dropping those it descends
// from (and p itself if it is already covered).
func advance(set []*policyNode, p *policyNode) []*policyNode {
	out := set[:0:0]
	for _, q := range set {
		if q == p || p.node.clock.precedes(q.node.clock) {
			return set
		}
		if !q.node.clock.precedes(p.node.clock) {
			out = append(out, q)
		}
	}
	return append(out, p)
}

// supersede adds w to the concurrent writes of one secret, dropping those
// it descends from.
func supersede(set []write, w write) []write {
	out := set[:0:0]
	for _, q := range set {
		if !q.node.clock.precedes(w.node.clock) {
			out = append(out, q)
		}
	}
	return append(out, w)
}

func newPolicyNode(n *vnode, vf *format.VaultFile) (*policyNode, string) {
	e := n.entry
	if e.Details == nil || e.Details.Policy == "" {
		return nil, "the entry does not record the policy it sets"
	}
	if crypto.FileHash([]byte(e.Details.Policy)) != e.File {
		return nil, "the recorded policy does not match the entry's file hash"
	}
	p, err := format.ParsePolicy([]byte(e.Details.Policy))
	if err != nil {
		return nil, "the recorded policy does not parse: " + err.Error()
	}
	if vf != nil && e.Details.Vault != vf.ID {
		return nil, "the genesis entry names another vault id than vault.yaml"
	}
	pn := &policyNode{node: n, policy: p, signers: map[string]ed25519.PublicKey{}}
	for name, m := range p.Members {
		if pub, ok, _ := crypto.SignerOf(m.Recipient, m.Signer); ok {
			pn.signers[name] = pub
		}
	}
	return pn, ""
}

// authorize returns why the entry's actor may not make its change under
// policy pn, or "".
func authorize(pn *policyNode, e *format.SignedEntry) string {
	p := pn.policy
	writer := func(name string) bool { return slices.Contains(p.WritersOf(name), e.Actor) }
	switch e.Action {
	case format.ActionInit, format.ActionPolicy:
		if !p.IsAdmin(e.Actor) {
			return fmt.Sprintf("member %s changed the policy but is not an admin", e.Actor)
		}
	case format.ActionSet, format.ActionRotate, format.ActionRemove, format.ActionResolve:
		if !writer(e.Target) {
			return fmt.Sprintf("member %s wrote %s but is not a writer of it", e.Actor, e.Target)
		}
	case format.ActionMove:
		if e.Details == nil || e.Details.From == "" {
			return "the move does not say what it moved from"
		}
		if !writer(e.Target) || !writer(e.Details.From) {
			return fmt.Sprintf("member %s moved %s to %s but is not a writer of both", e.Actor, e.Details.From, e.Target)
		}
	case format.ActionReencrypt:
		if p.IsAdmin(e.Actor) || e.Details == nil {
			return ""
		}
		for name := range e.Details.Files {
			if !writer(name) {
				return fmt.Sprintf("member %s re-encrypted %s but is neither its writer nor an admin", e.Actor, name)
			}
		}
	}
	return ""
}

// readersAsPolicy returns why a secret write's recorded readers are not
// the ones the policy in force gives its name, or "". tresor computes them
// from that policy; an entry that lists others was not written by tresor.
// (A resolve records the readers of the version it keeps, which a
// concurrent policy may have chosen, so it is not judged here.)
func readersAsPolicy(pn *policyNode, e *format.SignedEntry) string {
	switch e.Action {
	case format.ActionSet, format.ActionRotate, format.ActionMove:
	default:
		return ""
	}
	if e.Details == nil {
		return "the entry does not record the readers of " + e.Target
	}
	want := pn.policy.ReadersOf(e.Target)
	if !slices.Equal([]string(e.Details.Readers), want) {
		return fmt.Sprintf("it encrypts %s to [%s], the policy in force gives [%s]",
			e.Target, strings.Join(e.Details.Readers, ", "), strings.Join(want, ", "))
	}
	return ""
}

// writesOf returns what an entry does to secrets: name → new file hash, or
// "" for removal.
func writesOf(e *format.SignedEntry) map[string]string {
	switch e.Action {
	case format.ActionSet, format.ActionRotate, format.ActionResolve:
		return map[string]string{e.Target: e.File}
	case format.ActionRemove:
		return map[string]string{e.Target: ""}
	case format.ActionMove:
		m := map[string]string{e.Target: e.File}
		if e.Details != nil && e.Details.From != "" {
			m[e.Details.From] = ""
		}
		return m
	case format.ActionReencrypt:
		if e.Details != nil {
			return e.Details.Files
		}
	}
	return nil
}

