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
// in force for each, and judges the entry under it. Then revocation wins:
// an entry whose right a concurrent policy change took away does not stand
// (see revocations). Signatures are checked by workers meanwhile;
// finishSignatures collects their verdicts.
// settle judges every entry under the policy in force at it until no
// more policy changes are set aside: a policy change that was itself
// revoked never comes into force, so everything is judged again without
// it (each round sets aside at least one more, so this ends). It sets
// vr.revoked and vr.setAside and returns the last round's findings. send,
// when not nil, gets the entries of the first round for their signatures
// to be checked meanwhile; a later round changes keys only where a policy
// change was set aside.
func (vr *verification) settle(send func(*vnode)) []Finding {
	setAside := map[*vnode]*policyNode{}
	for round := 0; ; round++ {
		if round > 0 {
			send = nil
		}
		findings := vr.judge(setAside, send)
		vr.revoked = vr.revocations()
		more := false
		for n, by := range vr.revoked {
			if n.entry.Action == format.ActionPolicy && setAside[n] == nil {
				setAside[n] = by
				more = true
			}
		}
		if !more {
			vr.setAside = setAside
			return findings
		}
	}
}

func (vr *verification) replay() {
	vr.linkClocks()
	sigs := vr.startSignatureWorkers()
	// Signatures are checked while the replay goes on (it is sequential
	// and would leave a core idle).
	vr.rep.Findings = append(vr.rep.Findings, vr.settle(sigs.send)...)
	for _, n := range vr.nodes {
		if n.key != nil && !n.known {
			vr.signed = append(vr.signed, n)
			if n.sentKey == nil || !n.sentKey.Equal(n.key) {
				sigs.send(n)
			}
		}
	}
	sigs.flush()
	vr.sigDone = sigs.finish
	vr.buildFrontiers()
}

// linkClocks gives every entry its chain clock and marks the descendants of
// broken entries broken; it checks what depends on no policy: the times.
func (vr *verification) linkClocks() {
	clocks := newClockBuilder()
	now := vr.v.now().UTC()
	skipped := 0
	for _, n := range vr.nodes {
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
		latest := now.Add(maxClockSkew)
		if e.Time.After(latest) {
			// An entry's time decides nothing (policy, not clocks, says
			// who may write), so one member's wrong clock must not lock
			// the team out: verify reports it, reads and writes go on.
			vr.rep.Findings = append(vr.rep.Findings, Finding{Check: CheckSignature, Entry: n.file, Advisory: true,
				Message: fmt.Sprintf("time %s is in the future (the clock of %s's machine is wrong); it is reported until that time has passed", e.Time.Format(time.RFC3339), e.Actor)})
		}
		// Entries must not be dated before their parents (beyond a day of
		// clock skew between machines): a backdated entry would hide from
		// tresor log --since. A parent dated in the future counts as now,
		// so that its descendants are not punished for its clock.
		for _, p := range n.parents {
			pt := p.entry.Time
			if pt.After(latest) {
				pt = now
			}
			if e.Time.Before(pt.Add(-maxBackdate)) {
				vr.add(CheckSignature, n.file, "", "time %s is before its parent journal/%s (%s): backdated", e.Time.Format(time.RFC3339), p.file, p.entry.Time.Format(time.RFC3339))
				break
			}
		}
		if e.Action == format.ActionInit || e.Action == format.ActionPolicy {
			var vf *format.VaultFile
			if e.Action == format.ActionInit {
				vf = vr.v.File
			}
			n.own, n.ownErr = newPolicyNode(n, vf)
			if n.ownErr != "" && e.Action == format.ActionInit {
				vr.add(CheckSignature, n.file, "", "%s", n.ownErr)
				n.broken = true
			}
		}
	}
	if skipped > 0 {
		vr.add(CheckStructure, "", journalDir, "%d entries could not be checked: they are, or descend from, one reported above", skipped)
	}
	vr.rep.strandedEntries = map[string]map[string]string{}
	for _, n := range vr.nodes {
		if n.broken && n.entry.Action != format.ActionInit {
			vr.rep.strandedEntries[n.file] = writesOf(n.entry)
		}
	}
}

// judge works out the policy in force for every entry, leaving out the
// policy changes set aside, and returns what it finds against each entry.
func (vr *verification) judge(setAside map[*vnode]*policyNode, send func(*vnode)) []Finding {
	var out []Finding
	add := func(n *vnode, format string, args ...any) {
		out = append(out, Finding{Check: CheckSignature, Entry: n.file, Message: fmt.Sprintf(format, args...)})
	}
	for _, n := range vr.nodes {
		n.policy, n.key, n.authorized = nil, nil, false
		if n.broken {
			continue
		}
		e := n.entry
		// The policy in force: the latest policy set among the ancestors.
		before, concurrent := policyBefore(n)
		if e.Action == format.ActionInit {
			before, concurrent = n.own, nil
		}
		if before == nil {
			add(n, "no policy is in force (its ancestry has no genesis)")
			continue
		}
		if e.Action != format.ActionPolicy {
			// A merge of branches with different policies: the entry must
			// be allowed by each.
			for _, c := range concurrent {
				if msg := authorize(c, e); msg != "" {
					add(n, "%s (under the concurrent policy of journal/%s)", msg, c.node.file)
				}
			}
		}
		key, ok := before.signers[e.Actor]
		switch {
		case !ok && before.policy.Members[e.Actor].Recipient == "":
			add(n, "actor %s is not a member under the policy in force", e.Actor)
		case !ok:
			add(n, "actor %s has no signing key, so cannot write", e.Actor)
		default:
			n.key = key
			if send != nil && !n.known {
				send(n)
			}
			// After a merge, the key must be the actor's under every
			// concurrent policy too: one branch may have replaced it (a
			// lost key), whichever branch has the higher seq.
			for _, c := range concurrent {
				if ck, ok := c.signers[e.Actor]; ok && !ck.Equal(key) {
					add(n, "signed with %s's key as the policy in force gives it, but the concurrent policy of journal/%s replaced that key", e.Actor, c.node.file)
				}
			}
		}
		n.authorized = true
		if msg := authorize(before, e); msg != "" {
			add(n, "%s", msg)
			n.authorized = false
		} else if msg := readersAsPolicy(before, e); msg != "" {
			add(n, "%s", msg)
		}
		n.policy = before
		if e.Action != format.ActionPolicy {
			continue
		}
		for _, c := range concurrent {
			if !c.policy.IsAdmin(e.Actor) {
				add(n, "member %s is not an admin under the concurrent policy of journal/%s", e.Actor, c.node.file)
			}
		}
		switch {
		case !n.authorized || setAside[n] != nil:
			// an unauthorized or revoked policy never comes into force
		case n.ownErr != "":
			add(n, "%s", n.ownErr)
		default:
			n.own.prev = append([]*policyNode{before}, concurrent...)
			n.policy = n.own
		}
	}
	return out
}

// revocations applies "revocation wins over concurrency": an entry stands
// only if no policy change concurrent with it (neither its ancestor nor its
// descendant) took away the right it used, whatever the right (writing a
// path, being an admin, re-encrypting) and however it was taken (a member
// removed, a group or rule changed, a signing key replaced). It returns the
// entries that fail, with the policy change that revoked each.
func (vr *verification) revocations() map[*vnode]*policyNode {
	var changes []*policyNode
	for _, n := range vr.nodes {
		if n.policy != nil && n.policy.node == n && n.entry.Action == format.ActionPolicy {
			changes = append(changes, n.policy)
		}
	}
	out := map[*vnode]*policyNode{}
	for _, pc := range changes {
		for _, n := range vr.nodes {
			if n.broken || n == pc.node || n.key == nil || !n.authorized || out[n] != nil {
				continue
			}
			if concurrentNodes(pc.node, n) && revokes(pc, n) {
				out[n] = pc
			}
		}
	}
	return out
}

// revokes reports whether the policy change pc took away the right entry n
// used: n's actor held it, with the key that signed n, under a policy pc
// replaced, and does not under pc.
func revokes(pc *policyNode, n *vnode) bool {
	if holds(pc, n) {
		return false
	}
	for _, prev := range pc.prev {
		if holds(prev, n) {
			return true
		}
	}
	return false
}

// holds reports whether n's actor may make n's change under pn, signing
// with the key that signed n.
func holds(pn *policyNode, n *vnode) bool {
	key, ok := pn.signers[n.entry.Actor]
	return ok && key.Equal(n.key) && authorize(pn, n.entry) == ""
}

// concurrentNodes reports whether neither entry is an ancestor of the other.
func concurrentNodes(a, b *vnode) bool {
	return !a.clock.precedes(b.clock) && !b.clock.precedes(a.clock)
}

// signatureWorkers check signatures in batches (see crypto.VerifyBatch),
// which costs a fraction of checking each alone, on every core, while the
// replay and the files are checked.
type signatureWorkers struct {
	batches chan []sigJob
	pending []sigJob
	wg      sync.WaitGroup
	mu      sync.Mutex
	done    []sigJob
}

// A sigJob is one entry's signature checked with one key.
type sigJob struct {
	n   *vnode
	key ed25519.PublicKey
	bad bool
}

func (vr *verification) startSignatureWorkers() *signatureWorkers {
	w := &signatureWorkers{batches: make(chan []sigJob, 64)}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for batch := range w.batches {
				checks := make([]crypto.SignatureCheck, len(batch))
				for i, j := range batch {
					checks[i] = crypto.SignatureCheck{Key: j.key, Message: j.n.entry.Signed, Signature: j.n.entry.Signature}
				}
				for i, ok := range crypto.VerifyBatch(checks) {
					batch[i].bad = !ok
				}
				vr.sigChecked.Add(int64(len(batch)))
				w.mu.Lock()
				w.done = append(w.done, batch...)
				w.mu.Unlock()
			}
		}()
	}
	return w
}

// send queues n's signature with the key it has now.
func (w *signatureWorkers) send(n *vnode) {
	n.sentKey = n.key
	if w.pending = append(w.pending, sigJob{n: n, key: n.key}); len(w.pending) == sigBatchSize {
		w.batches <- w.pending
		w.pending = nil
	}
}

// flush hands the last, partial batch to the workers.
func (w *signatureWorkers) flush() {
	if len(w.pending) > 0 {
		w.batches <- w.pending
		w.pending = nil
	}
}

// finish waits for every check and records the verdict of each entry's
// check with its final key.
func (w *signatureWorkers) finish() {
	w.flush()
	close(w.batches)
	w.wg.Wait()
	for _, j := range w.done {
		if j.n.key != nil && j.key.Equal(j.n.key) {
			j.n.badSig = j.bad
		}
	}
}

// buildFrontiers works out, per secret, the latest writes (concurrent ones
// are a conflict), and the latest policies in force. A revoked write is
// kept in the frontier, marked, until a write that descends from it
// replaces it; valid holds the frontier without revoked writes, which is
// what stood before them.
func (vr *verification) buildFrontiers() {
	vr.frontier = map[string][]write{}
	vr.valid = map[string][]write{}
	vr.policyFrontier = nil
	for _, n := range vr.nodes {
		if n.broken || n.policy == nil {
			continue
		}
		e := n.entry
		if n.policy.node == n {
			vr.policyFrontier = advance(vr.policyFrontier, n.policy)
		}
		if e.Action == format.ActionPolicy {
			if by := vr.setAside[n]; by != nil {
				vr.policyAside = supersedeAside(vr.policyAside, n)
			}
			continue
		}
		by := vr.revoked[n]
		for name, h := range writesOf(e) {
			w := write{node: n, hash: h, revokedBy: by}
			vr.frontier[name] = supersede(vr.frontier[name], w)
			if by == nil {
				vr.valid[name] = supersede(vr.valid[name], w)
			}
		}
	}
	// A policy change set aside stands out until a policy in force
	// descends from it.
	var aside []*vnode
	for _, a := range vr.policyAside {
		replaced := false
		for _, p := range vr.policyFrontier {
			if a.clock.precedes(p.node.clock) {
				replaced = true
			}
		}
		if !replaced {
			aside = append(aside, a)
		}
	}
	vr.policyAside = aside
}

// supersedeAside adds n to the policy changes set aside, dropping those it
// descends from.
func supersedeAside(set []*vnode, n *vnode) []*vnode {
	out := set[:0:0]
	for _, q := range set {
		if !q.clock.precedes(n.clock) {
			out = append(out, q)
		}
	}
	return append(out, n)
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
// parents. When parents carry different policies and none descends from the
// others, the latest is in force and the others are returned as concurrent.
func policyBefore(n *vnode) (in *policyNode, concurrent []*policyNode) {
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
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].node.entry.Seq != cands[j].node.entry.Seq {
			return cands[i].node.entry.Seq > cands[j].node.entry.Seq
		}
		return cands[i].node.hash < cands[j].node.hash
	})
	return cands[0], cands[1:]
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
	return &policyNode{node: n, policy: p, signers: policySigners(p)}, ""
}

// policySigners are the signing keys p gives its members.
func policySigners(p *format.Policy) map[string]ed25519.PublicKey {
	out := map[string]ed25519.PublicKey{}
	for name, m := range p.Members {
		if pub, ok, _ := crypto.SignerOf(m.Recipient, m.Signer); ok {
			out[name] = pub
		}
	}
	return out
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
	case format.ActionSet, format.ActionRotate, format.ActionMeta, format.ActionRemove, format.ActionResolve:
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
	case format.ActionSet, format.ActionRotate, format.ActionMeta, format.ActionMove:
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
	case format.ActionSet, format.ActionRotate, format.ActionMeta, format.ActionResolve:
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
