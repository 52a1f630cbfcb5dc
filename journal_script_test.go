package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// Custom testscript commands for the signed-journal scenarios
// (testdata/script/journal_*.txtar). They play an attacker, or a member,
// who knows the journal format and writes entries without tresor: what
// verify must judge is the entry, not the tool that wrote it.

// signentry [flags] KEYFILE ACTOR ACTION: write a journal entry signed with
// the signing key of the identity in KEYFILE, claiming to be by ACTOR, and
// set $ENTRY to its file name. By default seq is one more than the greatest
// in the journal, the parents are the journal's current heads (entries no
// other entry names as parent, read from the files themselves so that it
// works on a journal that does not verify) and the time is now.
//
//	-vault DIR       the vault directory (default .tresor)
//	-target NAME     the entry's target
//	-file PATH       file: sha256 of the file at PATH (relative to the cwd)
//	-hash sha256:…   file: as given
//	-policy PATH     details.policy: the file's bytes; file: their hash
//	                 unless -file or -hash says otherwise
//	-version N, -readers a,b, -change TEXT, -from NAME: details
//	-time T          RFC 3339, or a Go duration from now (8760h, -1h)
//	-seq N           the seq to claim
//	-parents H,H     the parents' full hashes, instead of the heads ("none"
//	                 for no parents, as a genesis entry has)
//	-vaultid ID      details.vault (a genesis entry's vault id)
func cmdSignEntry(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("signentry", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	vaultDir := fs.String("vault", ".tresor", "")
	target := fs.String("target", "", "")
	filePath := fs.String("file", "", "")
	hash := fs.String("hash", "", "")
	policyPath := fs.String("policy", "", "")
	version := fs.Int("version", 0, "")
	readers := fs.String("readers", "", "")
	change := fs.String("change", "", "")
	from := fs.String("from", "", "")
	when := fs.String("time", "", "")
	seq := fs.Int("seq", 0, "")
	parents := fs.String("parents", "", "")
	vaultID := fs.String("vaultid", "", "")
	if err := fs.Parse(args); neg || err != nil || fs.NArg() != 3 {
		ts.Fatalf("usage: signentry [-vault DIR] [-target NAME] [-file PATH | -hash H] [-policy PATH] [-version N] [-readers a,b] [-change TEXT] [-from NAME] [-time T] [-seq N] [-parents H,H|none] [-vaultid ID] KEYFILE ACTOR ACTION")
	}
	id, err := crypto.ParseIdentity([]byte(ts.ReadFile(fs.Arg(0))), crypto.ParseOptions{})
	ts.Check(err)

	journal := filepath.Join(ts.MkAbs(*vaultDir), "journal")
	maxSeq, heads := journalHeads(ts, journal)
	e := format.Entry{
		Seq:     maxSeq + 1,
		Parents: heads,
		Time:    time.Now().UTC().Truncate(time.Second),
		Actor:   fs.Arg(1),
		Action:  fs.Arg(2),
		Target:  *target,
	}
	if *seq != 0 {
		e.Seq = *seq
	}
	switch *parents {
	case "":
	case "none":
		e.Parents = format.Names{}
	default:
		e.Parents = format.Names(strings.Split(*parents, ","))
		sort.Strings(e.Parents)
	}
	if *when != "" {
		if t, err := time.Parse(time.RFC3339, *when); err == nil {
			e.Time = t.UTC()
		} else {
			d, err := time.ParseDuration(*when)
			ts.Check(err)
			e.Time = time.Now().Add(d).UTC().Truncate(time.Second)
		}
	}
	d := &format.Details{Vault: *vaultID, Version: *version, Change: *change, From: *from}
	if *readers != "" {
		d.Readers = format.Names(strings.Split(*readers, ","))
	}
	if *policyPath != "" {
		d.Policy = ts.ReadFile(*policyPath)
		e.File = crypto.FileHash([]byte(d.Policy))
	}
	if *filePath != "" {
		b, err := os.ReadFile(ts.MkAbs(*filePath))
		ts.Check(err)
		e.File = crypto.FileHash(b)
	}
	if *hash != "" {
		e.File = *hash
	}
	if d.Vault != "" || d.Version != 0 || d.Change != "" || d.From != "" || len(d.Readers) > 0 || d.Policy != "" {
		e.Details = d
	}
	unsigned, err := e.MarshalUnsigned()
	ts.Check(err)
	sig, err := id.Sign(unsigned)
	ts.Check(err)
	b := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
	name := format.EntryFileName(e.Seq, crypto.HashHex(b))
	ts.Check(os.WriteFile(filepath.Join(journal, name), b, 0o644))
	ts.Setenv("ENTRY", name)
}

// journalHeads reads every entry file in dir and returns the greatest seq
// and the hashes no entry names as parent, sorted.
func journalHeads(ts *testscript.TestScript, dir string) (int, format.Names) {
	ents, err := os.ReadDir(dir)
	ts.Check(err)
	maxSeq := 0
	all := map[string]bool{}
	named := map[string]bool{}
	for _, de := range ents {
		if strings.HasPrefix(de.Name(), ".") || !strings.HasSuffix(de.Name(), ".entry") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		ts.Check(err)
		e, err := format.ParseEntry(b)
		if err != nil {
			continue // a damaged entry is nobody's head
		}
		maxSeq = max(maxSeq, e.Seq)
		all[crypto.HashHex(b)] = true
		for _, p := range e.Parents {
			named[p] = true
		}
	}
	heads := format.Names{}
	for h := range all {
		if !named[h] {
			heads = append(heads, h)
		}
	}
	sort.Strings(heads)
	return maxSeq, heads
}

// lastentry VAR [DIR]: set VAR to the file name of the journal entry with
// the greatest seq (DIR defaults to .tresor/journal), and VAR_HASH to the
// 16 hex digits of its hash in that name, as verify prints them. In a
// linear history that is the entry of the latest change.
func cmdLastEntry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: lastentry VAR [DIR]")
	}
	dir := ".tresor/journal"
	if len(args) == 2 {
		dir = args[1]
	}
	ents, err := os.ReadDir(ts.MkAbs(dir))
	ts.Check(err)
	best, bestHash, bestSeq := "", "", 0
	for _, de := range ents {
		if seq, hash, ok := format.ParseEntryFileName(de.Name()); ok && seq >= bestSeq {
			best, bestHash, bestSeq = de.Name(), hash, seq
		}
	}
	if best == "" {
		ts.Fatalf("no journal entries in %s", dir)
	}
	ts.Setenv(args[0], best)
	ts.Setenv(args[0]+"_HASH", bestHash)
}

// rehash FILE VAR: rename the journal entry FILE to the name its content
// hashes to (keeping the seq of its name) and set VAR to the new name, as
// a forger who edited an entry would, so that the check under test is not
// the name check.
func cmdRehash(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: rehash FILE VAR")
	}
	path := ts.MkAbs(args[0])
	seq, _, ok := format.ParseEntryFileName(filepath.Base(path))
	if !ok {
		ts.Fatalf("%s is not a journal entry file name", args[0])
	}
	b, err := os.ReadFile(path)
	ts.Check(err)
	name := format.EntryFileName(seq, crypto.HashHex(b))
	ts.Check(os.Rename(path, filepath.Join(filepath.Dir(path), name)))
	ts.Setenv(args[1], name)
}

// headerof SECRETFILE OUT: write the header of a secret file (every byte
// before the "---" line, which the payload envelope binds) to OUT.
func cmdHeaderOf(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: headerof SECRETFILE OUT")
	}
	b := ts.ReadFile(args[0])
	i := strings.Index(b, "\n---\n")
	if i < 0 {
		ts.Fatalf("%s has no --- line", args[0])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b[:i+1]), 0o644))
}
