package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// An entryNode is one journal entry as read from disk.
type entryNode struct {
	Hash  string // hex SHA-256 of the file
	File  string // file name in journal/
	Entry *format.SignedEntry
}

// A journalState is the journal as read from disk: every entry by hash and
// the heads, the entries no other entry names as parent.
type journalState struct {
	Entries map[string]*entryNode
	Heads   []string
	MaxSeq  int
}

// readJournal reads and parses every entry in journal/. It checks that each
// file's name matches its content, and nothing else: verification is
// Verify's job.
func (v *Vault) readJournal() (*journalState, error) {
	st := &journalState{Entries: map[string]*entryNode{}}
	if err := v.checkNoSymlinks(journalDir); err != nil {
		return nil, err
	}
	dir, err := v.root.Open(journalDir)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", unwrapPath(err))
	}
	defer dir.Close()
	ents, err := dir.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", unwrapPath(err))
	}
	referenced := map[string]bool{}
	for _, de := range ents {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			continue // temporary files of an interrupted write; doctor cleans them
		}
		if de.Type()&fs.ModeSymlink != 0 {
			return nil, problemf(ErrVerify, "", "journal/%s is a symlink, which tresor refuses inside the vault", name)
		}
		seq, prefix, ok := format.ParseEntryFileName(name)
		if !ok {
			return nil, problemf(ErrVerify, "journal files are written by tresor; restore the journal with git",
				"journal/%s is not a journal entry file name", name)
		}
		b, err := v.readFile(journalDir+"/"+name, format.MaxEntrySize)
		if err != nil {
			return nil, err
		}
		hash := crypto.HashHex(b)
		if !strings.HasPrefix(hash, prefix) {
			return nil, problemf(ErrVerify, "journal entries are never edited; restore it with git",
				"journal/%s does not match its content hash (edited or renamed)", name)
		}
		e, err := format.ParseEntry(b)
		if err != nil {
			return nil, wrapProblem(ErrVerify, err, "journal entries are never edited; restore it with git", "journal/%s", name)
		}
		if e.Seq != seq {
			return nil, problemf(ErrVerify, "", "journal/%s says seq %d", name, e.Seq)
		}
		st.Entries[hash] = &entryNode{Hash: hash, File: name, Entry: e}
		for _, p := range e.Parents {
			referenced[p] = true
		}
		if seq > st.MaxSeq {
			st.MaxSeq = seq
		}
	}
	for h := range st.Entries {
		if !referenced[h] {
			st.Heads = append(st.Heads, h)
		}
	}
	sort.Strings(st.Heads)
	if len(st.Entries) == 0 {
		return nil, problemf(ErrVerify, "restore journal/ with git", "the journal is empty")
	}
	return st, nil
}

// errJournalEmpty marks a vault without a genesis entry.
var errJournalEmpty = errors.New("the journal is empty")
