package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A verifiedState is what this clone last verified, kept in local/verified
// (never committed). Reads check a secret file's hash against it instead of
// replaying the whole journal; writes take their parents from it; and
// verify fails when a head recorded here has disappeared (rollback).
//
// The stamp is the journal directory's modification time and size: adding,
// removing or renaming an entry file (a pull, a checkout, a reset) changes
// it, and a changed stamp means a full verify before the next read.
type verifiedState struct {
	vault  string
	stamp  string
	maxSeq int
	policy string
	// policyFile is the hash of policy.yaml when it holds edits no admin
	// signed (policy is then the signed policy's hash), and policyEntry
	// the entry that records the signed policy; signed is that policy
	// when this process verified it (not saved).
	policyFile  string
	policyEntry string
	signed      *format.Policy
	heads       []string
	// seen are the heads verified last on each branch (see gitBranch),
	// for the rollback check.
	seen map[string][]string
	// policyConflict: concurrent policy changes await an admin.
	policyConflict bool
	conflicts      []string
	// conflictHashes[i] are the file hashes of the concurrent versions of
	// conflicts[i] ("" for a removal).
	conflictHashes [][]string
	// revoked marks the conflicts that hold a write whose right a
	// concurrent policy change took away.
	revoked map[string]bool
	secrets map[string]string // name → sha256:<hex>
	// entryOf is each secret's latest entry file; idents the identity of
	// the entry files reads depend on, and always those checked on every
	// read (heads and the policy's entries).
	entryOf map[string]string
	idents  map[string]string
	always  map[string]bool
}

const (
	verifiedFile = "verified"
	verifiedTag  = "tresor-verified/v2"
)

// journalStamp identifies the journal's listing and vault.yaml: adding,
// removing or renaming an entry file (a pull, a checkout, a reset) changes
// the directory's modification time or size. Entries rewritten in place do
// not, so the state also pins the identity (size, times, inode) of every
// entry reads depend on: see pinEntries and entriesUnchanged.
func (v *Vault) journalStamp() (string, error) {
	fi, err := v.root.Lstat(journalDir)
	if err != nil {
		return "", fmt.Errorf("journal: %w", unwrapPath(err))
	}
	return fmt.Sprintf("%d.%d %s", fi.ModTime().UnixNano(), fi.Size(), crypto.HashHex(v.File.Marshal())[:16]), nil
}

// entryIdentity is what changes when an entry file is rewritten, even in
// place: its size, modification time, inode and change time (which no
// user can set back).
func (v *Vault) entryIdentity(file string) string {
	stat, done := v.entryStatter()
	defer done()
	return stat(file)
}

// pin records the identity of the entry files given.
func (st *verifiedState) pin(v *Vault, files ...string) {
	for _, f := range files {
		if f != "" {
			st.idents[f] = v.entryIdentity(f)
		}
	}
}

// entriesUnchanged reports whether the entries a read of names depends on
// are as verified: the heads, the policy's entries, and each secret's
// latest entry. Entries no read depends on are checked by verify and log,
// which read them all.
func (st *verifiedState) entriesUnchanged(v *Vault, names []string) bool {
	stat, done := v.entryStatter()
	defer done()
	for f, id := range st.idents {
		if st.always[f] && stat(f) != id {
			return false
		}
	}
	for _, n := range names {
		f := st.entryOf[n]
		if f != "" && stat(f) != st.idents[f] {
			return false
		}
	}
	return true
}

func (st *verifiedState) marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nvault %s\nstamp %s\nseq %d\npolicy %s\n", verifiedTag, st.vault, st.stamp, st.maxSeq, st.policy)
	if st.policyFile != "" {
		fmt.Fprintf(&b, "policy-file %s %s\n", st.policyFile, st.policyEntry)
	}
	if st.policyConflict {
		b.WriteString("policy-conflict\n")
	}
	for _, h := range st.heads {
		fmt.Fprintf(&b, "head %s\n", h)
	}
	branches := make([]string, 0, len(st.seen))
	for br := range st.seen {
		branches = append(branches, br)
	}
	sort.Strings(branches)
	for _, br := range branches {
		for _, h := range st.seen[br] {
			fmt.Fprintf(&b, "seen %s %s\n", br, h)
		}
	}
	for i, c := range st.conflicts {
		hs := make([]string, len(st.conflictHashes[i]))
		for j, h := range st.conflictHashes[i] {
			hs[j] = h
			if h == "" {
				hs[j] = "-"
			}
		}
		fmt.Fprintf(&b, "conflict %s %s\n", c, strings.Join(hs, ","))
		if st.revoked[c] {
			fmt.Fprintf(&b, "revoked %s\n", c)
		}
	}
	names := make([]string, 0, len(st.secrets))
	for n := range st.secrets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "s %s %s %s\n", n, st.secrets[n], st.entryOf[n])
	}
	files := make([]string, 0, len(st.idents))
	for f := range st.idents {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		kind := "e"
		if st.always[f] {
			kind = "E"
		}
		fmt.Fprintf(&b, "%s %s %s\n", kind, f, st.idents[f])
	}
	return b.Bytes()
}

func parseVerifiedState(b []byte) (*verifiedState, error) {
	// One string for the whole file: every name and hash below is a slice
	// of it, not an allocation of its own (a read parses this file, and it
	// has a line per secret).
	rest := string(b)
	first, rest, _ := strings.Cut(rest, "\n")
	if first != verifiedTag {
		return nil, errors.New("not a verified-state file")
	}
	n := strings.Count(rest, "\ns ") + 1
	st := &verifiedState{secrets: make(map[string]string, n), entryOf: make(map[string]string, n),
		idents: make(map[string]string, n), seen: map[string][]string{}, revoked: map[string]bool{}, always: map[string]bool{}}
	for rest != "" {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "vault":
			st.vault = val
		case "stamp":
			st.stamp = val
		case "seq":
			st.maxSeq, _ = strconv.Atoi(val)
		case "policy":
			st.policy = val
		case "policy-file":
			h, entry, _ := strings.Cut(val, " ")
			if !strings.HasPrefix(h, "sha256:") || entry == "" {
				return nil, errors.New("malformed verified-state file")
			}
			st.policyFile, st.policyEntry = h, entry
		case "policy-conflict":
			st.policyConflict = true
		case "head":
			if format.IsHash(val) {
				st.heads = append(st.heads, val)
			}
		case "seen":
			br, h, ok := strings.Cut(val, " ")
			if ok && format.IsHash(h) {
				st.seen[br] = append(st.seen[br], h)
			}
		case "conflict":
			name, list, _ := strings.Cut(val, " ")
			var hs []string
			for _, h := range strings.Split(list, ",") {
				switch {
				case h == "-":
					hs = append(hs, "")
				case strings.HasPrefix(h, "sha256:"):
					hs = append(hs, h)
				default:
					return nil, errors.New("malformed verified-state file")
				}
			}
			st.conflicts = append(st.conflicts, name)
			st.conflictHashes = append(st.conflictHashes, hs)
		case "revoked":
			st.revoked[val] = true
		case "s":
			name, hf, _ := strings.Cut(val, " ")
			hash, file, ok := strings.Cut(hf, " ")
			if ok {
				st.secrets[name], st.entryOf[name] = hash, file
			}
		case "e", "E":
			file, id, ok := strings.Cut(val, " ")
			if ok {
				st.idents[file] = id
				st.always[file] = key == "E"
			}
		}
	}
	if st.vault == "" {
		return nil, errors.New("malformed verified-state file")
	}
	return st, nil
}

// readVerifiedState returns the last verified state, or nil if there is
// none (a fresh clone) or it is unreadable.
func (v *Vault) readVerifiedState() (*verifiedState, error) {
	b, err := v.readState(verifiedFile, 256<<20)
	var p *Problem
	if errors.Is(err, fs.ErrNotExist) || errors.As(err, &p) {
		// None, or not a regular file: verify everything, and the next
		// save replaces it.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st, err := parseVerifiedState(b)
	if err != nil {
		return nil, nil
	}
	return st, nil
}

func (v *Vault) writeVerifiedState(st *verifiedState) error {
	return v.writeState(verifiedFile, st.marshal())
}

// verified returns the verified state of the journal as it is now: the one
// in local/ when the journal has not changed since, else the result of a
// full verification. Hard findings (anything but merge conflicts) are an
// error wrapping ErrVerify. The caller holds the lock.
func (v *Vault) verified() (*verifiedState, error) {
	return v.verifiedWith(VerifyOptions{})
}

// freshVerifiedState returns the verified state in local/ when it is for
// this vault, its journal as it is now, and its policy; else nil (and
// verification, which reads the same things, reports what failed). The
// state holds while the journal's listing and policy.yaml are as verified:
// a policy edited by hand must never decide who reads.
func (v *Vault) freshVerifiedState(names ...string) *verifiedState {
	if v.mem != nil && v.mem.holdsPolicy(v.policyHash) && v.memStamp == v.quickStamp() && v.useSignedPolicy(v.mem) == nil {
		return v.mem
	}
	stamp, err := v.journalStamp()
	if err != nil {
		return nil
	}
	st, err := v.readVerifiedState()
	if err != nil || st == nil || st.vault != v.File.ID || st.stamp != stamp || !st.holdsPolicy(v.policyHash) || !st.entriesUnchanged(v, names) {
		return nil
	}
	if v.useSignedPolicy(st) != nil {
		return nil // verification says what is wrong
	}
	v.remember(st)
	return st
}

func newVerifiedState() *verifiedState {
	return &verifiedState{secrets: map[string]string{}, seen: map[string][]string{}, revoked: map[string]bool{},
		entryOf: map[string]string{}, idents: map[string]string{}, always: map[string]bool{}}
}

// remember keeps st as this process's verified state. Within one process
// (an import of many secrets under one lock) the state is trusted while
// the journal directory's listing and the git checkout are as they were:
// statting every entry before each write would make a batch quadratic.
// Between processes the full stamp (journalStamp) decides.
func (v *Vault) remember(st *verifiedState) {
	v.mem, v.memStamp = st, v.quickStamp()
}

// quickStamp is what a checkout, pull or reset changes: the names in the
// journal directory and the git checkout. (Not the directory's mtime: file
// system clocks are coarse, and two checkouts within one tick, there and
// back, leave it as it was while a write verified the tree in between.)
func (v *Vault) quickStamp() string {
	d, err := v.root.Open(journalDir)
	if err != nil {
		return ""
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return ""
	}
	sort.Strings(names)
	c := checkoutOf(v.Dir)
	return crypto.HashHex([]byte(strings.Join(names, "\n"))) + " " + c.branch + " " + c.commit
}

// saveState writes the verified state a write left in memory, once per
// lock. If the journal or the checkout changed since (git ran meanwhile),
// nothing is saved and the next command verifies again.
func (v *Vault) saveState() {
	st := v.unsaved
	v.unsaved = nil
	if st == nil || v.memStamp != v.quickStamp() {
		return
	}
	stamp, err := v.journalStamp()
	if err == nil {
		st.stamp = stamp
		err = v.writeVerifiedState(st)
	}
	if err != nil {
		v.warn(fmt.Sprintf("the change is recorded, but this clone's verified state could not be saved (%v); the next command verifies the journal again", err))
	}
}

// verifiedWith is verified with options for the verification it may run.
func (v *Vault) verifiedWith(opts VerifyOptions) (*verifiedState, error) {
	if st := v.freshVerifiedState(opts.deps...); st != nil {
		return st, nil
	}
	rep, err := v.verifyLocked(opts)
	if err != nil {
		return nil, err
	}
	if len(rep.hardFindings()) == 0 {
		if err := v.useSignedPolicy(rep.state); err != nil {
			return nil, err
		}
		v.remember(rep.state)
	}
	if hard := rep.hardFindings(); len(hard) > 0 {
		more := ""
		if len(hard) > 1 {
			more = fmt.Sprintf(" (and %d more problems)", len(hard)-1)
		}
		return nil, problemf(ErrVerify, "run tresor verify for the full report", "the vault does not verify: %s%s", hard[0], more)
	}
	return rep.state, nil // verifyLocked saved it
}

// checkFile checks a secret file's bytes against the verified state.
func (st *verifiedState) checkFile(name string, b []byte) error {
	return st.checkFileHash(name, crypto.FileHash(b))
}

// checkFileHash checks a secret file's hash ("sha256:<hex>") against the
// verified state.
func (st *verifiedState) checkFileHash(name, hash string) error {
	for i, c := range st.conflicts {
		if c == name {
			if st.contested(i) {
				return problemf(ErrVerify, "a current writer records what stands: tresor resolve "+name+" (tresor verify names the change)",
					"a change of %s does not stand: it was made by a member whose right a concurrent policy change took away", name)
			}
			return problemf(ErrVerify, "a writer chooses the version that stands: tresor resolve "+name,
				"%s has concurrent versions from merged branches", name)
		}
	}
	want, ok := st.secrets[name]
	if !ok {
		return problemf(ErrVerify, "run tresor verify for the full report", "no journal entry records secret %s (added by hand?)", name)
	}
	if hash != want {
		return problemf(ErrVerify, "restore it with git; tresor doctor completes a write that was interrupted; tresor verify gives the full report",
			"%s does not match its latest journal entry: its header or ciphertext was edited, it was forged or swapped, or an old version was copied back", secretPath(name))
	}
	return nil
}

// contested reports whether conflict i holds a revoked write.
func (st *verifiedState) contested(i int) bool {
	return st.revoked[st.conflicts[i]]
}

func (st *verifiedState) dropConflict(name string) {
	delete(st.revoked, name)
	for i, c := range st.conflicts {
		if c == name {
			st.conflicts = append(st.conflicts[:i], st.conflicts[i+1:]...)
			st.conflictHashes = append(st.conflictHashes[:i], st.conflictHashes[i+1:]...)
			return
		}
	}
}

// conflictOf returns the concurrent versions of name, or nil.
func (st *verifiedState) conflictOf(name string) []string {
	for i, c := range st.conflicts {
		if c == name {
			return st.conflictHashes[i]
		}
	}
	return nil
}
