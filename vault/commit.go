package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A fileChange is one vault file a change writes, or removes (Data nil).
type fileChange struct {
	Rel  string
	Data []byte
}

// A change is everything one command changes: the files and the journal
// entry that records them. commit is the only way the vault is written.
type change struct {
	Entry format.Entry // Action, Target, File, Details; commit fills the rest
	Files []fileChange
}

// withLock runs fn holding the vault's lock, after re-reading the policy so
// that fn decides on the state it will change. Inside Hold the lock is
// already held, and the verified state is saved when Hold ends.
func (v *Vault) withLock(fn func() error) error {
	if v.holding {
		if err := v.loadPolicy(); err != nil {
			return err
		}
		return fn()
	}
	unlock, err := v.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := v.loadPolicy(); err != nil {
		return err
	}
	defer v.saveState()
	return fn()
}

// Hold runs fn, which makes many writes (an import), holding the vault's
// lock throughout: each write is still its own verified, signed and synced
// change, but no other tresor interleaves, and this clone's verified state
// is written once at the end instead of after every write.
func (v *Vault) Hold(fn func() error) error {
	if v.holding {
		return fn()
	}
	return v.withLock(func() error {
		v.holding = true
		defer func() { v.holding = false }()
		return fn()
	})
}

// lock takes the vault's lock and returns what releases it.
func (v *Vault) lock() (unlock func(), err error) {
	st, err := v.state()
	if err != nil {
		return nil, err
	}
	f, err := st.openFile("lock", os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, fmt.Errorf("opening the vault lock: %w", unwrapPath(err))
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the vault: %w", err)
	}
	return func() { unlockFile(f); f.Close() }, nil
}

// writeLocked runs fn holding the lock, after verifying the vault: a write
// decides on verified data only (the policy that says who may write, who
// reads and which plugins may run, and the headers it carries over), so it
// can never sign into the journal what a push put into the work tree.
func (v *Vault) writeLocked(fn func(st *verifiedState) error) error {
	return v.withLock(func() error {
		st, err := v.verified()
		if err != nil {
			return err
		}
		if !st.holdsPolicy(v.policyHash) {
			return problemf(ErrVerify, "run the command again", "policy.yaml changed while it was being verified")
		}
		return fn(st)
	})
}

// readRecordedSecret reads the file of secret name as the verified journal
// records it: nil for a secret the journal does not have, the checked file
// otherwise. For a secret with concurrent versions, the file must be one of
// them.
func (v *Vault) readRecordedSecret(name string, st *verifiedState) (*format.SecretFile, error) {
	if versions := st.conflictOf(name); versions != nil {
		sf, err := v.readSecretFile(name)
		if errors.Is(err, fs.ErrNotExist) && slices.Contains(versions, "") {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(versions, crypto.FileHash(sf.Marshal())) {
			return nil, problemf(ErrVerify, "check out one version: git checkout --ours (or --theirs) -- "+DirName+"/"+secretPath(name),
				"the file of %s in the work tree is none of its concurrent versions", name)
		}
		return sf, nil
	}
	if _, ok := st.secrets[name]; !ok {
		return nil, nil
	}
	return v.readCheckedSecret(name, st)
}

// secretChange is the change that writes file, the new version h of a
// secret, recorded as action (set, meta, rotate) with text as the entry's
// change text ("" for none).
func secretChange(action string, file []byte, h format.SecretHeader, text string) change {
	return change{
		Entry: format.Entry{Action: action, Target: h.Name, File: crypto.FileHash(file),
			Details: &format.Details{Version: h.Version, Readers: h.Readers, Change: text}},
		Files: []fileChange{{Rel: secretPath(h.Name), Data: file}},
	}
}

// writeSettled runs fn holding the lock for a write that keeps something
// of secret name: with the actor, who must be a writer of it, and its
// settled file (settledSecret).
func (v *Vault) writeSettled(name string, fn func(st *verifiedState, actor string, old *format.SecretFile) error) error {
	return v.writeLocked(func(st *verifiedState) error {
		actor, err := v.writerOf(name)
		if err != nil {
			return err
		}
		old, err := v.settledSecret(name, st)
		if err != nil {
			return err
		}
		return fn(st, actor, old)
	})
}

// settledSecret reads the file of secret name for a write that keeps
// something of it (its value or its metadata: rotate, meta, mv), as the
// verified journal records it. A secret with concurrent versions is
// refused until a writer resolves it: one of them may be a write that does
// not stand, which such a write would otherwise sign again as current.
func (v *Vault) settledSecret(name string, st *verifiedState) (*format.SecretFile, error) {
	if st.conflictOf(name) != nil {
		return nil, problemf(ErrVerify, "record which version stands first: tresor resolve "+name,
			"%s has concurrent versions from merged branches", name)
	}
	if _, ok := st.secrets[name]; !ok {
		return nil, noSuchSecret(name, st)
	}
	return v.readCheckedSecret(name, st)
}

// actor returns the member name of the current identity, checking that its
// signing key is the member's.
func (v *Vault) actor() (string, error) {
	if v.identity == nil {
		return "", problemf(ErrNoAccess, "", "no identity")
	}
	me := v.identity.Recipient()
	for name, m := range v.Policy.Members {
		if m.Recipient != me {
			continue
		}
		if !v.identity.CanSign() {
			return name, nil
		}
		pub, ok, err := crypto.SignerOf(m.Recipient, m.Signer)
		if err != nil || !ok || !pub.Equal(v.identity.SignerKey()) {
			return "", problemf(ErrDenied, "ask an admin to re-add you with the card tresor whoami prints",
				"member %s's signer in the policy does not match your identity", name)
		}
		return name, nil
	}
	return "", v.notMemberError(ErrDenied)
}

// signer returns the actor and checks it may sign entries at all.
func (v *Vault) signer() (string, error) {
	actor, err := v.actor()
	if err != nil {
		return "", err
	}
	if !v.identity.CanSign() {
		return "", problemf(ErrDenied, "write with an age or ssh-ed25519 identity",
			"member %s's identity (%s) cannot sign journal entries, so it cannot change the vault", actor, v.identity.Kind())
	}
	return actor, nil
}

// commit signs the entry and writes it with the files, in an order that a
// crash at any point leaves recognizable:
//
//  1. each new file goes to a temporary file beside its target, synced
//     (a batch of several files: all written, then synced in one pass,
//     see syncBatch);
//  2. the signed entry goes to a temporary file in journal/, synced;
//  3. the entry is renamed into place: this is the commit point;
//  4. each new file is renamed over its target (or the target removed);
//  5. the directories are synced.
//
// A crash before 3 leaves only temporary files (doctor removes them: the
// change did not happen). A crash after 3 leaves an entry whose files are
// still in temporary files with the hashes the entry records (doctor
// completes the renames). The caller holds the lock.
func (v *Vault) commit(actor string, c change) (*format.SignedEntry, error) {
	st, err := v.verified()
	if err != nil {
		return nil, err
	}
	if st.policyConflict && c.Entry.Action != format.ActionPolicy {
		return nil, problemf(ErrVerify, "an admin chooses the policy that stands: tresor policy show > p.yaml, edit, tresor policy apply p.yaml",
			"concurrent policy changes from merged branches are unresolved")
	}
	checkout := checkoutOf(v.Dir)
	quick := v.memStamp
	e := c.Entry
	e.Seq = st.maxSeq + 1
	e.Parents = format.Names(slices.Clone(st.heads))
	e.Time = v.timeNow()
	e.Actor = actor
	unsigned, err := e.MarshalUnsigned()
	if err != nil {
		return nil, fmt.Errorf("building journal entry: %w", err)
	}
	sig, err := v.identity.Sign(unsigned)
	if err != nil {
		return nil, err
	}
	signed := &format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}
	entryBytes := signed.Marshal()
	entryRel := journalDir + "/" + format.EntryFileName(e.Seq, crypto.HashHex(entryBytes))

	tf := v.newTempFiles()
	defer tf.close()
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			tf.remove(t)
		}
	}
	batch := len(c.Files) > 1
	for _, f := range c.Files {
		if f.Data == nil {
			continue
		}
		tmp, err := tf.write(f.Rel, f.Data, !batch)
		if err != nil {
			cleanup()
			return nil, err
		}
		temps = append(temps, tmp)
	}
	if batch {
		// Durable before the commit point, as one fsync each would be.
		if err := v.syncBatch(temps); err != nil {
			cleanup()
			return nil, err
		}
	}
	crashPoint("files-written")
	// The work tree must still be the one verified: a git checkout, pull
	// or reset meanwhile would put this entry on top of other parents.
	if err := v.checkUnchanged(quick); err != nil {
		cleanup()
		return nil, err
	}
	entryTmp, err := tf.write(entryRel, entryBytes, true)
	if err != nil {
		cleanup()
		return nil, err
	}
	temps = append(temps, entryTmp)
	crashPoint("entry-written")
	if err := tf.rename(entryTmp, entryRel); err != nil {
		cleanup()
		return nil, fmt.Errorf("recording journal entry: %w", unwrapPath(err))
	}
	if err := v.syncDir(journalDir); err != nil {
		return nil, err
	}
	crashPoint("entry-committed")
	dirs := map[string]bool{}
	i := 0
	for _, f := range c.Files {
		dirs[path.Dir(f.Rel)] = true
		if f.Data == nil {
			if err := v.root.Remove(osPath(f.Rel)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("removing %s: %w (run tresor doctor)", f.Rel, unwrapPath(err))
			}
			v.removeEmptyParents(f.Rel)
			continue
		}
		if err := tf.rename(temps[i], f.Rel); err != nil {
			return nil, fmt.Errorf("writing %s: %w (run tresor doctor)", f.Rel, unwrapPath(err))
		}
		i++
		crashPoint("file-renamed")
	}
	if batch && len(dirs) > 1 {
		list := make([]string, 0, len(dirs))
		for d := range dirs {
			list = append(list, d)
		}
		if err := v.syncBatch(list); err != nil {
			return nil, err
		}
	} else {
		for d := range dirs {
			if err := v.syncDir(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	if now := checkoutOf(v.Dir); now != checkout {
		// The state is not saved: the next command verifies what is there.
		return nil, problemf(ErrVerify, "go back (git checkout -) and run tresor verify, or discard the write there: git checkout -- "+DirName+" && git clean -fd "+DirName,
			"the git checkout changed while this write was being recorded (%s → %s): journal/%s and its files went into the new work tree", checkout.branch, now.branch, path.Base(entryRel))
	}
	// The new entry is now the only head; record what it changed so that
	// the next read or write need not verify the journal again. Past the
	// commit point a cache that cannot be saved is a warning: the write
	// stands, and a retry would make a second version.
	st.heads = []string{crypto.HashHex(entryBytes)}
	entryFile := path.Base(entryRel)
	st.pin(v, entryFile)
	st.always[entryFile] = true
	st.seen[gitBranch(v.Dir)] = st.heads
	st.maxSeq = e.Seq
	for name, h := range writesOf(signed) {
		if h == "" {
			delete(st.secrets, name)
			delete(st.entryOf, name)
		} else {
			st.secrets[name], st.entryOf[name] = h, entryFile
		}
		st.dropConflict(name)
	}
	if e.Action == format.ActionPolicy {
		st.policy = e.File
		st.policyConflict = false
		// policy.yaml now holds the policy this entry signs.
		st.policyFile, st.policyEntry = "", ""
		st.signed, _ = format.ParsePolicy([]byte(e.Details.Policy))
	}
	v.remember(st)
	v.unsaved = st // saved once, when the lock is released
	return signed, nil
}

// A checkout is what git has checked out: HEAD and the commit its branch
// points at.
type checkout struct {
	branch, commit string
}

// checkoutOf reads the checkout the vault is in (zero outside git).
func checkoutOf(vaultDir string) checkout {
	gitDir, ok := findGitDir(vaultDir)
	if !ok {
		return checkout{}
	}
	c := checkout{branch: gitBranch(vaultDir)}
	if ref, ok := strings.CutPrefix(c.branch, "refs/"); ok && !strings.Contains(ref, "..") {
		if b, err := readSmall(filepath.Join(gitDir, "refs", filepath.FromSlash(ref)), 256); err == nil {
			c.commit = strings.TrimSpace(string(b))
		}
	}
	return c
}

// checkUnchanged fails when the journal or the checkout is not what the
// write verified: nothing has been written yet, so nothing is lost.
func (v *Vault) checkUnchanged(quick string) error {
	if quick != "" && v.quickStamp() == quick {
		return nil
	}
	return problemf(ErrVerify, "run the command again once git is done",
		"the journal or the git checkout changed while this write was being prepared (a git checkout, pull or reset?); nothing was written")
}

// crashPoint stops the process at the named step when the test-only
// environment variable TRESOR_TEST_CRASH_AT names it, to prove that every
// step of a write leaves a state doctor can explain. It costs one map-free
// string comparison when unset.
func crashPoint(step string) {
	if testCrashAt != "" && testCrashAt == step {
		os.Exit(crashExitCode)
	}
	if testStep != nil {
		testStep(step)
	}
}

// testStep, set by unit tests only, runs at each crash point: what another
// process (git) does at that moment.
var testStep func(step string)

var testCrashAt = os.Getenv("TRESOR_TEST_CRASH_AT")

const crashExitCode = 86

// Member returns the member name of the current identity.
func (v *Vault) Member() (string, error) { return v.actor() }
