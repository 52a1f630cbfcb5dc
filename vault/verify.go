package vault

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// The checks verify makes, in the order the design gives them.
const (
	CheckStructure = 1 // entry files, names, parents, genesis
	CheckSignature = 2 // signatures and authorization under the policy in force
	CheckFiles     = 3 // secret files and policy.yaml against their latest entries
	CheckRollback  = 4 // the journal has not gone backwards on this clone
)

// A Finding is one thing that failed verification.
type Finding struct {
	Check   int    `json:"check"`
	Entry   string `json:"entry,omitempty"` // journal file name
	File    string `json:"file,omitempty"`  // vault-relative path
	Message string `json:"message"`
	// Conflict marks concurrent writes from merged branches: verify fails,
	// but writes that resolve them are allowed.
	Conflict bool `json:"conflict,omitempty"`
}

func (f Finding) String() string {
	where := ""
	switch {
	case f.Entry != "" && f.File != "":
		where = "journal/" + f.Entry + ", " + f.File + ": "
	case f.Entry != "":
		where = "journal/" + f.Entry + ": "
	case f.File != "":
		where = f.File + ": "
	}
	return where + f.Message
}

// A VerifyReport is what Verify found.
type VerifyReport struct {
	Entries  int       `json:"entries"`
	Secrets  int       `json:"secrets"`
	Genesis  string    `json:"genesis"`
	Heads    []string  `json:"heads"`
	Findings []Finding `json:"findings"`

	state *verifiedState
	// expected maps vault-relative paths to the hash their latest entry
	// records ("" for removed): what doctor completes interrupted writes to.
	expected map[string]string
}

// OK reports whether every check passed.
func (r *VerifyReport) OK() bool { return len(r.Findings) == 0 }

// hardFindings are the findings that are not merge conflicts.
func (r *VerifyReport) hardFindings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Conflict {
			out = append(out, f)
		}
	}
	return out
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Genesis, when set, must equal the genesis entry's hash (pin it in CI).
	Genesis string
	// Full re-checks the signatures of entries this clone verified before.
	Full bool
	// AcceptRollback records the current heads even though heads verified
	// before are gone: for a deliberate switch to a branch that is behind.
	AcceptRollback bool

	// readFiles, when set, returns the hashes of secret files read moments
	// before (by name): a file whose hash there is the one its latest entry
	// records is not read again. tresor exec on a fresh clone reads and
	// decrypts every file while the journal is verified.
	readFiles func() map[string]string
	// secretNames, when set, are the secret files present, listed moments
	// before, so that verification does not walk secrets/ again.
	secretNames []string
}

// maxClockSkew is how far in the future an entry's time may be.
const maxClockSkew = 10 * time.Minute

// maxBackdate is how far before its parents an entry's time may be: clocks
// of team members' machines differ, but not by a day.
const maxBackdate = 24 * time.Hour

// A vnode is one journal entry during verification.
type vnode struct {
	hash    string
	file    string
	entry   *format.SignedEntry
	parents []*vnode
	clock   *chainClock
	broken  bool        // failed a structural check, or descends from one that did
	known   bool        // an ancestor of a head this clone verified before
	badSig  bool        // set by a signature worker
	policy  *policyNode // the policy in force after this entry
}

// A policyNode is one version of the policy, set by a vault.init or
// policy.set entry.
type policyNode struct {
	node    *vnode
	policy  *format.Policy
	signers map[string]ed25519.PublicKey
}

// A write is one entry's effect on one secret: a new file hash, or removal.
type write struct {
	node *vnode
	hash string // "sha256:…", or "" for removal
}

// Verify checks the whole vault using public data only: the journal's
// structure, every signature and authorization under the policy in force at
// that point, every file against its latest entry, and that the journal has
// not gone backwards since this clone last verified it. On success it
// records the verified state in local/ for reads and the rollback check.
func (v *Vault) Verify(opts VerifyOptions) (*VerifyReport, error) {
	var rep *VerifyReport
	err := v.withLock(func() error {
		var err error
		rep, err = v.verifyLocked(opts)
		return err
	})
	return rep, err
}

// sigBatchSize is how many signatures verify checks at once: large enough
// that a batch's fixed cost (256 doublings) is small per signature, small
// enough that both cores get batches from a short journal.
const sigBatchSize = 64

func (v *Vault) verifyLocked(opts VerifyOptions) (*VerifyReport, error) {
	rep := &VerifyReport{Findings: []Finding{}, expected: map[string]string{}}
	add := func(check int, entry, file, format string, args ...any) {
		rep.Findings = append(rep.Findings, Finding{Check: check, Entry: entry, File: file, Message: fmt.Sprintf(format, args...)})
	}
	stamp, err := v.journalStamp()
	if err != nil {
		return nil, err
	}
	nodes, err := v.loadEntries(add)
	if err != nil {
		return nil, err
	}
	rep.Entries = len(nodes)

	// 1. Structure: parents exist and come before; exactly one genesis.
	byHash := make(map[string]*vnode, len(nodes))
	for _, n := range nodes {
		byHash[n.hash] = n
	}
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].entry.Seq != nodes[j].entry.Seq {
			return nodes[i].entry.Seq < nodes[j].entry.Seq
		}
		return nodes[i].hash < nodes[j].hash
	})
	var genesis []*vnode
	childCount := map[*vnode]int{}
	for _, n := range nodes {
		if n.entry.Action == format.ActionInit {
			genesis = append(genesis, n)
		}
		for _, ph := range n.entry.Parents {
			p := byHash[ph]
			switch {
			case p == nil:
				add(CheckStructure, n.file, "", "parent %s… is missing from the journal (deleted?)", ph[:16])
				n.broken = true
			case p.entry.Seq >= n.entry.Seq:
				add(CheckStructure, n.file, "", "seq %d is not greater than its parent's (%d)", n.entry.Seq, p.entry.Seq)
				n.broken = true
			default:
				n.parents = append(n.parents, p)
				childCount[p]++
			}
		}
	}
	switch {
	case len(genesis) == 0:
		add(CheckStructure, "", journalDir, "there is no genesis (vault.init) entry")
	case len(genesis) > 1:
		add(CheckStructure, "", journalDir, "there are %d genesis entries; a vault has exactly one", len(genesis))
	}
	if len(genesis) >= 1 {
		g := genesis[0]
		rep.Genesis = g.hash
		if g.hash != v.File.Genesis {
			add(CheckStructure, g.file, vaultFileName, "genesis entry is %s…, vault.yaml pins %s…", g.hash[:16], v.File.Genesis[:16])
		}
		if opts.Genesis != "" && g.hash != opts.Genesis {
			add(CheckStructure, g.file, "", "genesis entry is %s, not the pinned %s", g.hash, opts.Genesis)
		}
	}
	if _, ok := byHash[v.File.Genesis]; !ok && len(genesis) == 0 {
		add(CheckStructure, "", vaultFileName, "the genesis entry vault.yaml pins is missing")
	}

	// Entries this clone verified before (ancestors of the heads recorded in
	// local/) keep their checked signatures: their bytes are pinned by their
	// hashes, and their ancestry, hence the policy that judged them, cannot
	// change. Everything else about them is checked again.
	prev, err := v.readVerifiedState()
	if err != nil {
		return nil, err
	}
	branch := gitBranch(v.Dir)
	if prev != nil && prev.vault == v.File.ID && !opts.Full {
		for _, heads := range prev.seen {
			markKnown(byHash, heads)
		}
	}

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
	var signed []*vnode // in replay order, for the report
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
			signed = append(signed, n)
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
	if skipped > 0 {
		add(CheckStructure, "", journalDir, "%d entries could not be checked: they are, or descend from, one reported above", skipped)
	}

	if len(pending) > 0 {
		sigBatches <- pending
	}
	close(sigBatches)

	// 3. Files against their latest entries.
	st := &verifiedState{vault: v.File.ID, stamp: stamp, secrets: map[string]string{}, seen: map[string][]string{}}
	for _, n := range nodes {
		st.maxSeq = max(st.maxSeq, n.entry.Seq)
	}
	if len(policyFrontier) > 1 {
		f := Finding{Check: CheckFiles, File: policyFileName, Conflict: true,
			Message: "concurrent policy changes on merged branches: " + nodeFiles(policyFrontier) + "; an admin resolves them with tresor policy apply"}
		rep.Findings = append(rep.Findings, f)
	}
	if len(policyFrontier) >= 1 {
		want := policyFrontier[0].node.entry.File
		b, err := v.readFile(policyFileName, 4<<20)
		switch {
		case err != nil:
			add(CheckFiles, "", policyFileName, "cannot be read: %v", err)
		case len(policyFrontier) == 1 && crypto.FileHash(b) != want:
			add(CheckFiles, policyFrontier[0].node.file, policyFileName, "policy.yaml does not match the policy recorded by its latest entry (edited by hand?)")
		case len(policyFrontier) > 1:
			// Until an admin resolves the conflict, policy.yaml must be one
			// of the concurrent versions, and only a policy change may be
			// written.
			st.policyConflict = true
			ok := false
			for _, p := range policyFrontier {
				if crypto.FileHash(b) == p.node.entry.File {
					ok, want = true, p.node.entry.File
				}
			}
			if !ok {
				add(CheckFiles, "", policyFileName, "policy.yaml is none of the concurrent policies (edited by hand?)")
			}
		}
		st.policy = want
		if len(policyFrontier) == 1 {
			rep.expected[policyFileName] = want
		}
	}
	onDisk := opts.secretNames
	if onDisk == nil {
		if onDisk, err = v.listSecretNames(); err != nil {
			return nil, err
		}
	}
	present := map[string]bool{}
	for _, name := range onDisk {
		present[name] = true
	}
	names := make([]string, 0, len(frontier))
	for name := range frontier {
		names = append(names, name)
	}
	sort.Strings(names)
	scratch := make([]byte, 0, 8192)
	files := v.newSecretReader()
	defer files.close()
	var readBefore map[string]string
	if opts.readFiles != nil {
		readBefore = opts.readFiles()
	}
	for _, name := range names {
		fr := frontier[name]
		rel := secretPath(name)
		if len(fr) > 1 {
			rep.Findings = append(rep.Findings, Finding{Check: CheckFiles, File: rel, Conflict: true,
				Message: fmt.Sprintf("concurrent writes on merged branches (%s); a writer chooses with tresor resolve %s", writeFiles(fr), name)})
			st.conflicts = append(st.conflicts, name)
			st.conflictHashes = append(st.conflictHashes, writeHashes(fr))
			continue
		}
		w := fr[0]
		rep.expected[rel] = w.hash
		if w.hash == "" {
			if present[name] {
				add(CheckFiles, w.node.file, rel, "the secret was removed by this entry but its file exists")
			}
			continue
		}
		if !present[name] {
			if v.interruptedWrite(rel, w.hash) {
				add(CheckFiles, w.node.file, rel, "a write was interrupted after its entry was recorded: the new version waits in a temporary file; run tresor doctor")
			} else {
				add(CheckFiles, w.node.file, rel, "the file is missing, and no entry removed it")
			}
			continue
		}
		if readBefore[name] == w.hash {
			st.secrets[name] = w.hash
			continue
		}
		// listSecretNames walked the tree and refused symlinks, so read
		// the file without checking each path component again.
		b, err := files.read(rel, &scratch)
		if err != nil {
			add(CheckFiles, w.node.file, rel, "cannot be read: %v", unwrapPath(err))
			continue
		}
		if got := crypto.FileHash(b); got != w.hash {
			if v.interruptedWrite(rel, w.hash) {
				add(CheckFiles, w.node.file, rel, "a write was interrupted after its entry was recorded: the new version waits in a temporary file; run tresor doctor")
			} else {
				add(CheckFiles, w.node.file, rel, "does not match its latest entry: its header or ciphertext was edited, it was forged or swapped, or an old version was copied back")
			}
			continue
		}
		st.secrets[name] = w.hash
	}
	for _, name := range onDisk {
		if _, ok := frontier[name]; !ok {
			add(CheckFiles, "", secretPath(name), "no journal entry records this secret (added by hand?)")
		}
	}
	rep.Secrets = len(st.secrets)

	sigWG.Wait()
	for _, n := range signed {
		if n.badSig {
			add(CheckSignature, n.file, "", "signature does not verify with %s's key (forged or edited)", n.entry.Actor)
		}
	}

	// Heads: entries no other entry names as parent.
	for _, n := range nodes {
		if childCount[n] == 0 {
			rep.Heads = append(rep.Heads, n.hash)
		}
	}
	sort.Strings(rep.Heads)
	st.heads = rep.Heads

	// 4. Rollback: every head verified before on this branch must still
	// exist. (Heads are kept per branch: another branch may well be behind.)
	if prev != nil && prev.vault == v.File.ID {
		for br, heads := range prev.seen {
			st.seen[br] = heads
		}
		if !opts.AcceptRollback {
			for _, h := range prev.seen[branch] {
				if _, ok := byHash[h]; !ok {
					add(CheckRollback, "", journalDir, "entry %s…, verified on this branch of this clone before, is gone: the journal went backwards (a rollback, a reset or a rewritten history; if that was deliberate: tresor verify --accept-rollback)", h[:16])
				}
			}
		}
	}
	st.seen[branch] = rep.Heads
	rep.state = st
	if len(rep.hardFindings()) == 0 {
		if err := v.writeVerifiedState(st); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// loadEntries reads, hashes and parses every entry file, in parallel.
// Files that fail are reported and left out.
func (v *Vault) loadEntries(add func(check int, entry, file, format string, args ...any)) ([]*vnode, error) {
	if err := v.checkNoSymlinks(journalDir); err != nil {
		return nil, err
	}
	// Entries are opened relative to the journal directory itself: one
	// openat each, where paths from the vault root would cost two.
	jr, err := v.root.OpenRoot(journalDir)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", unwrapPath(err))
	}
	defer jr.Close()
	dir, err := jr.Open(".")
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", unwrapPath(err))
	}
	er, err := newEntryReader(jr)
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("opening journal: %w", unwrapPath(err))
	}
	defer er.close()
	// Names only: ReadDir would lstat every entry on file systems that
	// don't report types. A symlinked entry is harmless: its content must
	// still hash to its own name, and os.Root keeps it inside the vault.
	ents, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", unwrapPath(err))
	}
	type result struct {
		node *vnode
		msg  string
	}
	results := make([]result, len(ents))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 4096)
			for i := w; i < len(ents); i += workers {
				results[i].node, results[i].msg = loadEntry(er, ents[i], &buf)
			}
		}(w)
	}
	wg.Wait()
	nodes := make([]*vnode, 0, len(ents))
	for i, r := range results {
		switch {
		case r.msg != "":
			add(CheckStructure, ents[i], "", "%s", r.msg)
		case r.node != nil:
			nodes = append(nodes, r.node)
		}
	}
	return nodes, nil
}

// loadEntry reads one entry file through the journal root, using buf as
// scratch space for reading.
func loadEntry(er *entryReader, name string, buf *[]byte) (*vnode, string) {
	if strings.HasPrefix(name, ".") {
		return nil, "" // temporary file of an interrupted write: tresor doctor
	}
	seq, prefix, ok := format.ParseEntryFileName(name)
	if !ok {
		return nil, "is not a journal entry file name (renamed?)"
	}
	scratch, err := er.read(name, buf)
	if err != nil {
		return nil, "cannot be read: " + unwrapPath(err).Error()
	}
	hash := crypto.HashHex(scratch)
	if !strings.HasPrefix(hash, prefix) {
		return nil, "content does not match the hash in its name (edited or renamed)"
	}
	b := bytes.Clone(scratch) // the entry keeps its bytes; scratch is reused
	e, err := format.ParseEntry(b)
	if err != nil {
		return nil, err.Error()
	}
	if e.Seq != seq {
		return nil, fmt.Sprintf("says seq %d, its name says %d (renamed)", e.Seq, seq)
	}
	return &vnode{hash: hash, file: name, entry: e}, ""
}

// markKnown marks the given heads and all their ancestors as known.
func markKnown(byHash map[string]*vnode, heads []string) {
	var stack []*vnode
	for _, h := range heads {
		if n := byHash[h]; n != nil && !n.known {
			n.known = true
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, ph := range n.entry.Parents {
			if p := byHash[ph]; p != nil && !p.known {
				p.known = true
				stack = append(stack, p)
			}
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

func writeHashes(ws []write) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.hash)
	}
	return out
}

func nodeFiles(ps []*policyNode) string {
	var s []string
	for _, p := range ps {
		s = append(s, "journal/"+p.node.file+" by "+p.node.entry.Actor)
	}
	return strings.Join(s, " and ")
}

func writeFiles(ws []write) string {
	var s []string
	for _, w := range ws {
		s = append(s, "journal/"+w.node.file+" by "+w.node.entry.Actor)
	}
	return strings.Join(s, " and ")
}

// interruptedWrite reports whether a temporary file next to rel holds
// exactly the content the journal recorded: a write stopped between its
// commit point and the rename (tresor doctor completes it).
func (v *Vault) interruptedWrite(rel, want string) bool {
	dir, base := path.Split(rel)
	d, err := v.root.Open(osPath(strings.TrimSuffix(dir, "/")))
	if err != nil {
		return false
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if strings.HasPrefix(n, "."+base+tempMarker) {
			if b, err := v.root.ReadFile(osPath(dir + n)); err == nil && crypto.FileHash(b) == want {
				return true
			}
		}
	}
	return false
}
