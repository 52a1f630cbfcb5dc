package vault

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A journalForge writes signed journal entries straight into a vault's
// journal, on top of the parents it is given: a member working on a fork,
// or someone who knows the format and signs what tresor would refuse to
// write. Verify must judge the entry, not the tool that wrote it.
type journalForge struct {
	t    *testing.T
	dir  string         // the vault directory
	seqs map[string]int // entry hash → seq, of every entry in the journal
}

// newJournalForge reads the journal of the vault in dir.
func newJournalForge(t *testing.T, dir string) *journalForge {
	t.Helper()
	f := &journalForge{t: t, dir: dir, seqs: map[string]int{}}
	ents, err := os.ReadDir(filepath.Join(dir, journalDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range ents {
		b, err := os.ReadFile(filepath.Join(dir, journalDir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		e, err := format.ParseEntry(b)
		if err != nil {
			t.Fatalf("journal/%s: %v", de.Name(), err)
		}
		f.seqs[crypto.HashHex(b)] = e.Seq
	}
	return f
}

// heads returns the entries no other entry names as parent.
func (f *journalForge) heads() []string {
	f.t.Helper()
	named := map[string]bool{}
	for h := range f.seqs {
		for _, p := range f.parentsOf(h) {
			named[p] = true
		}
	}
	var out []string
	for h := range f.seqs {
		if !named[h] {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

func (f *journalForge) parentsOf(hash string) []string {
	b, err := os.ReadFile(filepath.Join(f.dir, journalDir, format.EntryFileName(f.seqs[hash], hash)))
	if err != nil {
		f.t.Fatal(err)
	}
	e, err := format.ParseEntry(b)
	if err != nil {
		f.t.Fatal(err)
	}
	return e.Parents
}

// write signs e with signer's key (whoever e.Actor claims to be), on top
// of parents, and writes it. Seq is one more than the parents' greatest,
// the time is now. It returns the entry's hash and file name.
func (f *journalForge) write(signer *crypto.Identity, e format.Entry, parents ...string) (hash, file string) {
	f.t.Helper()
	e.Seq = 0
	for _, p := range parents {
		seq, ok := f.seqs[p]
		if !ok {
			f.t.Fatalf("parent %s… is not in the journal", p[:16])
		}
		e.Seq = max(e.Seq, seq+1)
	}
	e.Parents = format.Names(slices.Sorted(slices.Values(parents)))
	e.Time = time.Now().UTC().Truncate(time.Second)
	unsigned, err := e.MarshalUnsigned()
	if err != nil {
		f.t.Fatal(err)
	}
	sig, err := signer.Sign(unsigned)
	if err != nil {
		f.t.Fatal(err)
	}
	b := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
	hash = crypto.HashHex(b)
	file = format.EntryFileName(e.Seq, hash)
	if err := os.WriteFile(filepath.Join(f.dir, journalDir, file), b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.seqs[hash] = e.Seq
	return hash, file
}

// remove takes a written entry out of the journal again.
func (f *journalForge) remove(hash string) {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.dir, journalDir, format.EntryFileName(f.seqs[hash], hash))); err != nil {
		f.t.Fatal(err)
	}
	delete(f.seqs, hash)
}

// policySet is the entry of actor setting policy p.
func policySet(actor string, p *format.Policy) format.Entry {
	b := p.Marshal()
	return format.Entry{Actor: actor, Action: format.ActionPolicy, File: crypto.FileHash(b),
		Details: &format.Details{Change: "forged", Policy: string(b)}}
}

// secretWrite is the entry of actor making a write of action on name, whose
// new file is encrypted to readers. The file itself is never written: the
// tests that use it are about who may write, and read only signature
// findings.
func secretWrite(actor, action, name string, readers ...string) format.Entry {
	e := format.Entry{Actor: actor, Action: action, Target: name, File: crypto.FileHash([]byte("forged " + name)),
		Details: &format.Details{Version: 2, Readers: format.Names(readers)}}
	if action == format.ActionRemove {
		e.File, e.Details.Readers = "", nil
	}
	return e
}

// signatureFindings verifies the vault in dir as a fresh clone would and
// returns the messages of the check-2 findings against the entry file.
func signatureFindings(t *testing.T, dir, file string) []string {
	t.Helper()
	return messagesAgainst(verifyFresh(t, dir), file)
}

// verifyFresh verifies the vault in dir checking every signature.
func verifyFresh(t *testing.T, dir string) *VerifyReport {
	t.Helper()
	v, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rep, err := v.Verify(VerifyOptions{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// messagesAgainst returns the messages of the check-2 findings (signatures
// and authorization) against an entry file.
func messagesAgainst(rep *VerifyReport, file string) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Check == CheckSignature && f.Entry == file {
			out = append(out, f.Message)
		}
	}
	return out
}

// containsEach reports whether every want is a substring of some message.
func containsEach(msgs []string, wants ...string) bool {
	for _, w := range wants {
		if !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, w) }) {
			return false
		}
	}
	return true
}

// policyWith returns a copy of p changed by edit.
func policyWith(p *format.Policy, edit func(p *format.Policy)) *format.Policy {
	c := p.Clone()
	edit(c)
	return c
}
