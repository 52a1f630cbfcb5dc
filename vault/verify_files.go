package vault

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
)

// checkFiles is verification's third phase: policy.yaml and every secret
// file must be what their latest entries record, and every file the
// journal does not record is reported.
func (vr *verification) checkFiles() error {
	v, opts, rep, st, add := vr.v, vr.opts, vr.rep, vr.st, vr.add
	frontier, policyFrontier := vr.frontier, vr.policyFrontier
	var err error
	for _, n := range vr.nodes {
		st.maxSeq = max(st.maxSeq, n.entry.Seq)
	}
	for _, n := range vr.nodes {
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
	listing := opts.listing
	if listing == nil {
		if listing, err = v.listVault(); err != nil {
			return err
		}
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

