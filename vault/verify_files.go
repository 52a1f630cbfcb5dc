package vault

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// checkFiles is verification's third phase: policy.yaml and every secret
// file must be what their latest entries record, and every file the
// journal does not record is reported.
func (vr *verification) checkFiles() error {
	v, opts, rep, st, add := vr.v, vr.opts, vr.rep, vr.st, vr.add
	frontier := vr.frontier
	var err error
	for _, n := range vr.nodes {
		st.maxSeq = max(st.maxSeq, n.entry.Seq)
	}
	vr.checkPolicyFile()
	listing := opts.listing
	if listing == nil {
		if listing, err = v.listVault(); err != nil {
			return err
		}
	}
	if listing.legacyLocal {
		rep.Notes = append(rep.Notes, v.legacyStateNotice())
	}
	for _, s := range listing.strays {
		rep.Findings = append(rep.Findings, Finding{Check: CheckFiles, File: s.rel, Message: s.why, Stray: true})
	}
	onDisk := listing.names
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
	var halfDone []string
	for _, name := range names {
		fr := frontier[name]
		rel := secretPath(name)
		if revoked := revokedWrites(fr); len(revoked) > 0 {
			// Revocation wins: the write does not stand, and reads of the
			// secret wait until a current writer records what should.
			for _, w := range revoked {
				by := w.revokedBy.node
				rep.Findings = append(rep.Findings, Finding{Check: CheckSignature, Entry: w.node.file, File: rel, Conflict: true,
					Message: fmt.Sprintf("member %s's change of %s does not stand: the concurrent policy change journal/%s by %s took that right away (revocation wins); a current writer records what stands with tresor resolve %s",
						w.node.entry.Actor, name, by.file, by.entry.Actor, name)})
			}
			st.conflicts = append(st.conflicts, name)
			st.conflictHashes = append(st.conflictHashes, contestedHashes(fr, vr.valid[name]))
			st.revoked[name] = true
			continue
		}
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
			st.secrets[name], st.entryOf[name] = w.hash, w.node.file
			if e := w.node.entry.Entry; e.Action == format.ActionRotate && e.Details != nil && e.Details.Change == RotationStarted {
				halfDone = append(halfDone, name)
			}
			continue
		}
		// listVault walked the tree and refused symlinks, so read
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
		sf, err := parseSecretFileOf(name, b)
		if err == nil {
			err = checkStanzas(name, sf, w.node.policy.policy)
		}
		if err != nil {
			add(CheckFiles, w.node.file, rel, "%v", err)
			continue
		}
		st.secrets[name], st.entryOf[name] = w.hash, w.node.file
		if r := sf.Header.Rotation; r != nil && !r.Pending.IsZero() {
			halfDone = append(halfDone, name)
		}
	}
	if len(halfDone) > 0 {
		// Not a failure: the journal is whole and the old value is in force.
		rep.Notes = append(rep.Notes, fmt.Sprintf("a rotation is half done for %s: the old value stays in force until tresor rotate %s --resume (or --abort); tresor status lists it",
			strings.Join(halfDone, ", "), halfDone[0]))
	}
	for _, f := range st.entryOf {
		st.pin(v, f)
	}
	for _, name := range onDisk {
		if _, ok := frontier[name]; !ok {
			// Never read, since no entry records it: a finding about this
			// file only.
			rep.Findings = append(rep.Findings, Finding{Check: CheckFiles, File: secretPath(name), Stray: true,
				Message: "no journal entry records this secret (added by hand?)"})
		}
	}
	rep.Secrets = len(st.secrets)

	return nil
}

// checkPolicyFile checks policy.yaml against the policy in force. While
// concurrent policy changes await an admin (or a revoked one awaits the
// policy that stands), it must be one of the candidates, and only a policy
// change may be written.
func (vr *verification) checkPolicyFile() {
	v, rep, st := vr.v, vr.rep, vr.st
	cands := make([]*vnode, 0, len(vr.policyFrontier)+len(vr.policyAside))
	for _, p := range vr.policyFrontier {
		cands = append(cands, p.node)
	}
	if len(vr.policyFrontier) > 1 {
		rep.Findings = append(rep.Findings, Finding{Check: CheckFiles, File: policyFileName, Conflict: true,
			Message: "concurrent policy changes on merged branches: " + nodeFiles(cands) + "; an admin resolves them with tresor policy apply"})
	}
	for _, a := range vr.policyAside {
		by := vr.setAside[a].node
		rep.Findings = append(rep.Findings, Finding{Check: CheckSignature, Entry: a.file, File: policyFileName, Conflict: true,
			Message: fmt.Sprintf("the policy change by %s does not come into force: the concurrent policy change journal/%s by %s took away %s's admin right (revocation wins); an admin of the policy that stands records the outcome with tresor policy apply",
				a.entry.Actor, by.file, by.entry.Actor, a.entry.Actor)})
		cands = append(cands, a)
	}
	if len(cands) == 0 {
		return
	}
	want := cands[0].entry.File
	b, err := v.readFile(policyFileName, 4<<20)
	switch {
	case err != nil:
		vr.add(CheckFiles, "", policyFileName, "cannot be read: %v", err)
	case len(cands) == 1:
		if h := crypto.FileHash(b); h != want {
			// Edited by hand, or by a push: never the policy in force.
			// Reads and writes go on under the signed one.
			f := unsignedEditsFinding(cands[0].file)
			if v.interruptedWrite(policyFileName, want) {
				f.Message = "a policy change was interrupted after its entry was recorded: the new policy waits in a temporary file (tresor goes on under it); run tresor doctor"
			} else if _, err := format.ParsePolicy(b); err != nil {
				f.Message += " (as it is, it does not parse: " + err.Error() + ")"
			}
			rep.Findings = append(rep.Findings, f)
			st.policyFile, st.policyEntry = h, cands[0].file
		}
		st.signed = vr.policyFrontier[0].policy
		rep.expected[policyFileName] = want
	default:
		st.policyConflict = true
		// Only a policy that stands can be the one tresor works under: a
		// change that revocation set aside never is, whatever policy.yaml
		// holds (its author may have merged it back in).
		h, ok := crypto.FileHash(b), false
		for _, p := range vr.policyFrontier {
			if h == p.node.entry.File {
				ok, want = true, h
			}
		}
		switch {
		case ok:
		case len(vr.policyFrontier) == 1:
			// One policy stands: policy.yaml is an edit of it (a set-aside
			// policy checked out is one), never in force.
			f := unsignedEditsFinding(cands[0].file)
			for _, a := range vr.policyAside {
				if h == a.entry.File {
					f.Message = fmt.Sprintf("policy.yaml holds %s's policy change journal/%s, which does not come into force; tresor goes on under the policy that stands, and an admin who wants that change applies it anew (tresor policy apply shows the difference)", a.entry.Actor, a.file)
				}
			}
			rep.Findings = append(rep.Findings, f)
			st.policyFile, st.policyEntry = h, cands[0].file
			st.signed = vr.policyFrontier[0].policy
		default:
			vr.add(CheckFiles, "", policyFileName, "policy.yaml is none of the competing policies that stand (%s; edited by hand, or a policy change that does not come into force?)", nodeFiles(cands[:len(vr.policyFrontier)]))
		}
	}
	st.policy = want
}

// revokedWrites returns the writes among fr that do not stand.
func revokedWrites(fr []write) []write {
	var out []write
	for _, w := range fr {
		if w.revokedBy != nil {
			out = append(out, w)
		}
	}
	return out
}

// contestedHashes are the versions a writer may choose between when a
// revoked write is in the frontier: every latest write, and what stood
// before the revoked ones ("" when nothing did: the secret is new).
func contestedHashes(fr, valid []write) []string {
	hs := writeHashes(fr)
	if len(valid) == 0 {
		hs = append(hs, "")
	}
	for _, h := range writeHashes(valid) {
		if !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	return hs
}

func writeHashes(ws []write) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.hash)
	}
	return out
}

func nodeFiles(ns []*vnode) string {
	var s []string
	for _, n := range ns {
		s = append(s, "journal/"+n.file+" by "+n.entry.Actor)
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
