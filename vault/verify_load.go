package vault

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// load is verification's first phase: it reads every entry, links each to
// its parents (which must exist and come before), and checks that there is
// exactly one genesis, the one vault.yaml (and the caller's pin) names.
func (vr *verification) load() error {
	v := vr.v
	nodes, err := v.loadEntries(vr.add)
	if err != nil {
		return err
	}
	vr.rep.Entries = len(nodes)
	vr.byHash = make(map[string]*vnode, len(nodes))
	for _, n := range nodes {
		vr.byHash[n.hash] = n
	}
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].entry.Seq != nodes[j].entry.Seq {
			return nodes[i].entry.Seq < nodes[j].entry.Seq
		}
		return nodes[i].hash < nodes[j].hash
	})
	vr.nodes = nodes
	vr.children = map[*vnode]int{}
	var genesis []*vnode
	for _, n := range nodes {
		if n.entry.Action == format.ActionInit {
			genesis = append(genesis, n)
		}
		for _, ph := range n.entry.Parents {
			p := vr.byHash[ph]
			switch {
			case p == nil:
				vr.add(CheckStructure, n.file, "", "parent %s… is missing from the journal (deleted? or, if this entry is not yet committed, written on another branch and carried over by git checkout: switch back, or let tresor doctor set it aside)", ph[:16])
				n.broken = true
			case p.entry.Seq >= n.entry.Seq:
				vr.add(CheckStructure, n.file, "", "seq %d is not greater than its parent's (%d)", n.entry.Seq, p.entry.Seq)
				n.broken = true
			default:
				n.parents = append(n.parents, p)
				vr.children[p]++
			}
		}
	}
	switch {
	case len(genesis) == 0:
		vr.add(CheckStructure, "", journalDir, "there is no genesis (vault.init) entry")
	case len(genesis) > 1:
		vr.add(CheckStructure, "", journalDir, "there are %d genesis entries; a vault has exactly one", len(genesis))
	}
	if len(genesis) >= 1 {
		g := genesis[0]
		vr.rep.Genesis = g.hash
		if g.hash != v.File.Genesis {
			vr.add(CheckStructure, g.file, vaultFileName, "genesis entry is %s…, vault.yaml pins %s…", g.hash[:16], v.File.Genesis[:16])
		}
		if vr.opts.Genesis != "" && g.hash != vr.opts.Genesis {
			vr.add(CheckStructure, g.file, "", "genesis entry is %s, not the pinned %s", g.hash, vr.opts.Genesis)
		}
	}
	if _, ok := vr.byHash[v.File.Genesis]; !ok && len(genesis) == 0 {
		vr.add(CheckStructure, "", vaultFileName, "the genesis entry vault.yaml pins is missing")
	}

	// Entries this clone verified before (ancestors of the heads recorded in
	// its state) keep their checked signatures: their bytes are pinned by
	// their hashes, and their ancestry, hence the policy that judged them,
	// cannot change. Everything else about them is checked again.
	if vr.prev, err = v.readVerifiedState(); err != nil {
		return err
	}
	vr.branch = gitBranch(v.Dir)
	if vr.prev != nil && vr.prev.vault == v.File.ID && !vr.opts.Full {
		for _, heads := range vr.prev.seen {
			markKnown(vr.byHash, heads)
		}
	}
	return nil
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
	// don't report types. The entry reader refuses symlinks (O_NOFOLLOW)
	// and anything that is not a regular file, which is then reported.
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
	if isTempName(name) {
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
