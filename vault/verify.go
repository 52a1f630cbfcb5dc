package vault

import (
	"crypto/ed25519"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync/atomic"
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
	// Stray marks a file that is no part of the vault: verify fails, but
	// reads and writes go on, since tresor never reads it.
	Stray bool `json:"stray,omitempty"`
	// Advisory marks a claim of an entry that decides nothing (its time):
	// verify fails, reads and writes go on.
	Advisory bool `json:"advisory,omitempty"`
	// Unsigned marks a policy.yaml with edits no admin signed: verify
	// fails, reads and writes go on under the signed policy.
	Unsigned bool `json:"unsigned,omitempty"`
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
	Entries int      `json:"entries"`
	Secrets int      `json:"secrets"`
	Genesis string   `json:"genesis"`
	Heads   []string `json:"heads"`
	// Pin is the head with the highest seq: what to pass as --since next
	// time.
	Pin      string    `json:"pin,omitempty"`
	Findings []Finding `json:"findings"`
	// Notes say what this verification could not check.
	Notes []string `json:"notes,omitempty"`

	state *verifiedState
	// expected maps vault-relative paths to the hash their latest entry
	// records ("" for removed): what doctor completes interrupted writes to.
	expected map[string]string
	// strandedEntries are the entries with a parent missing from the
	// journal, and their descendants (file name → what each wrote): what
	// doctor sets aside when git does not track them.
	strandedEntries map[string]map[string]string
}

// OK reports whether every check passed.
func (r *VerifyReport) OK() bool { return len(r.Findings) == 0 }

// hardFindings are the findings that are not merge conflicts.
func (r *VerifyReport) hardFindings() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if !f.Conflict && !f.Stray && !f.Advisory && !f.Unsigned {
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
	// before are gone, and skips the check of the branch's history for
	// deleted entries: for a deliberate switch to a branch that is behind.
	AcceptRollback bool
	// Since pins the journal: it must contain this entry (its hash), so
	// that nothing before it was rolled back. CI keeps it from run to run.
	Since string

	// readFiles, when set, returns the hashes of secret files read moments
	// before (by name): a file whose hash there is the one its latest entry
	// records is not read again. tresor exec on a fresh clone reads and
	// decrypts every file while the journal is verified.
	readFiles func() map[string]string
	// listing, when set, is the vault's files, listed moments before, so
	// that verification does not walk the vault again.
	listing *vaultListing
	// deps are the secrets a read is about to return: the state this
	// clone verified before holds only while their latest entries are
	// unchanged.
	deps []string
	// Progress, when set, is told how many of the journal's entries have
	// been checked, a few times a second while verification runs.
	Progress func(done, total int)
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
	// own is the policy a vault.init or policy.set entry sets (ownErr
	// says why it cannot), whether or not it comes into force.
	own    *policyNode
	ownErr string
	// key is the actor's signing key under the policy in force (nil if
	// there is none); authorized: the actor held the right it used.
	key        ed25519.PublicKey
	sentKey    ed25519.PublicKey // the key its signature check was sent with
	authorized bool
}

// A policyNode is one version of the policy, set by a vault.init or
// policy.set entry.
type policyNode struct {
	node    *vnode
	policy  *format.Policy
	signers map[string]ed25519.PublicKey
	// prev are the policies this one replaced: the one in force at its
	// parents, and any concurrent ones it merged.
	prev []*policyNode
}

// A write is one entry's effect on one secret: a new file hash, or removal.
type write struct {
	node *vnode
	hash string // "sha256:…", or "" for removal
	// revokedBy is the concurrent policy change that took away the right
	// this write used (nil for a write that stands).
	revokedBy *policyNode
}

// Verify checks the whole vault using public data only: the journal's
// structure, every signature and authorization under the policy in force at
// that point, every file against its latest entry, and that the journal has
// not gone backwards since this clone last verified it. On success it
// records the verified state in local/ for reads and the rollback check.
func (v *Vault) Verify(opts VerifyOptions) (*VerifyReport, error) {
	var rep *VerifyReport
	err := v.checkLocked(func() error {
		var err error
		rep, err = v.verifyLocked(opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	keys, note := v.privateKeyFindings()
	rep.Findings = append(rep.Findings, keys...)
	sortFindings(rep.Findings)
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	return rep, nil
}

// sigBatchSize is how many signatures verify checks at once: large enough
// that a batch's fixed cost (256 doublings) is small per signature, small
// enough that both cores get batches from a short journal.
const sigBatchSize = 64

// A verification is one run of Verify: what each phase found and what the
// next phase needs. The phases, each in a file of its own:
//
//   - load (verify_load.go): read and parse every entry, link parents, find
//     the genesis;
//   - replay and authorize (verify_replay.go): walk the DAG in topological
//     order, judge each entry under the policy in force, check signatures;
//   - files (verify_files.go): policy.yaml and every secret file against its
//     latest entry, and nothing else in the vault;
//   - rollback (verify_rollback.go): nothing this clone saw is gone.
type verification struct {
	v    *Vault
	opts VerifyOptions
	rep  *VerifyReport

	// load
	nodes    []*vnode // in replay order: seq, then hash
	byHash   map[string]*vnode
	children map[*vnode]int
	// prev is what this clone verified before (nil on a fresh clone).
	prev   *verifiedState
	branch string

	// replay
	frontier map[string][]write // per secret: the latest writes
	valid    map[string][]write // the same without revoked writes
	// revoked are the entries whose right a concurrent policy change took
	// away, with that change; setAside are the policy changes among them,
	// which never came into force, and policyAside those of them no
	// policy in force has replaced yet.
	revoked        map[*vnode]*policyNode
	setAside       map[*vnode]*policyNode
	policyAside    []*vnode
	policyFrontier []*policyNode
	signed         []*vnode // entries whose signatures are being checked
	sigDone        func()   // waits for the signature workers

	st      *verifiedState
	history <-chan historyResult

	// sigChecked counts the signatures checked so far, for progress.
	sigChecked atomic.Int64
}

type historyResult struct {
	h   *journalHistory
	err error
}

func (vr *verification) add(check int, entry, file, format string, args ...any) {
	vr.rep.Findings = append(vr.rep.Findings, Finding{Check: check, Entry: entry, File: file, Message: fmt.Sprintf(format, args...)})
}

func (v *Vault) verifyLocked(opts VerifyOptions) (*VerifyReport, error) {
	vr := &verification{v: v, opts: opts, rep: &VerifyReport{Findings: []Finding{}, expected: map[string]string{}}}
	stamp, err := v.journalStamp()
	if err != nil {
		return nil, err
	}
	// git's view of the branch's history is read meanwhile: it is the
	// slowest single step of a fresh clone's verification.
	history := make(chan historyResult, 1)
	if !opts.AcceptRollback {
		go func() {
			h, err := readJournalHistory(v.Dir)
			history <- historyResult{h, err}
		}()
	}
	vr.history = history
	if err := vr.load(); err != nil {
		return nil, err
	}
	defer vr.showProgress()()
	vr.replay()
	vr.st = newVerifiedState()
	vr.st.vault, vr.st.stamp = v.File.ID, stamp
	if err := vr.checkFiles(); err != nil {
		vr.sigDone()
		return nil, err
	}
	vr.finishSignatures()
	vr.checkRollback()
	sortFindings(vr.rep.Findings)
	vr.rep.state = vr.st
	if len(vr.rep.hardFindings()) == 0 {
		if err := v.writeVerifiedState(vr.st); err != nil {
			// A cache: without it the next command verifies again.
			v.warn(fmt.Sprintf("this clone's verified state could not be saved (%v); the next command verifies the journal again", err))
		}
	}
	return vr.rep, nil
}

// showProgress reports, while verification runs, how many entries it has
// checked: those verified before on this clone count at once, the others
// as their signatures are checked. It returns what stops the reports.
func (vr *verification) showProgress() (stop func()) {
	progress := vr.opts.Progress
	if progress == nil {
		return func() {}
	}
	total, known := len(vr.nodes), 0
	for _, n := range vr.nodes {
		if n.known {
			known++
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				progress(total, total)
				return
			case <-tick.C:
				progress(min(known+int(vr.sigChecked.Load()), total-1), total)
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// sortFindings puts findings in a stable order, whatever order the
// concurrent checks found them in: by check, then entry (findings about an
// entry before those about none, which sum up or follow from them), file
// and message.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		if (a.Entry == "") != (b.Entry == "") {
			return a.Entry != ""
		}
		if a.Entry != b.Entry {
			return a.Entry < b.Entry
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Message < b.Message
	})
}

// interruptedWrite reports whether a temporary file next to rel holds
// exactly the content the journal recorded: a write stopped between its
// commit point and the rename (tresor doctor completes it).
func (v *Vault) interruptedWrite(rel, want string) bool {
	dir, base := path.Split(rel)
	od := strings.TrimSuffix(dir, "/")
	if od == "" {
		od = "." // policy.yaml, at the top of the vault
	}
	d, err := v.root.Open(osPath(od))
	if err != nil {
		return false
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	for _, n := range names {
		if strings.HasPrefix(n, "."+base+tempMarker) {
			if b, err := v.readFile(dir+n, maxEntryRead); err == nil && crypto.FileHash(b) == want {
				return true
			}
		}
	}
	return false
}
