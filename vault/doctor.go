package vault

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A Repair is one thing doctor found and what it did (or would do).
type Repair struct {
	File   string `json:"file"`
	Found  string `json:"found"`
	Action string `json:"action"`
}

// DoctorReport lists what an interrupted change left behind and whether the
// vault verifies afterwards.
type DoctorReport struct {
	Repairs []Repair      `json:"repairs"`
	Verify  *VerifyReport `json:"verify"`
	// ReadOnly: the checkout could not be written, so doctor only
	// explained what it would repair.
	ReadOnly bool `json:"read_only,omitempty"`
}

// Doctor explains what interrupted changes left behind and, with repair,
// completes or rolls them back. A change whose journal entry was recorded
// is completed from its temporary files (they carry the hashes the entry
// records); a change whose entry was not recorded never happened, and its
// temporary files are removed. A file the journal says was removed is
// removed. Nothing that a journal entry does not vouch for is kept.
func (v *Vault) Doctor(repair bool) (*DoctorReport, error) {
	rep := &DoctorReport{Repairs: []Repair{}}
	locked := v.withLock
	if repair {
		// A read-only checkout cannot be repaired, but it can be explained.
		if unlock, err := v.lock(); err == nil {
			unlock()
		} else if isReadOnly(err) {
			repair, rep.ReadOnly = false, true
		}
	}
	if !repair {
		locked = v.checkLocked
	}
	err := locked(func() error {
		before, err := v.verifyLocked(VerifyOptions{})
		if err != nil {
			return err
		}
		temps, err := v.tempFiles()
		if err != nil {
			return err
		}
		do := func(r Repair, fn func() error) error {
			if repair {
				if err := fn(); err != nil {
					return fmt.Errorf("%s: %w", r.File, err)
				}
			} else {
				r.Action = "would " + r.Action
			}
			rep.Repairs = append(rep.Repairs, r)
			return nil
		}
		for _, tmp := range temps {
			target := tempTarget(tmp)
			b, err := v.readFile(tmp, maxEntryRead)
			if err != nil {
				return err
			}
			want, recorded := before.expected[target]
			current, _ := v.readFile(target, maxEntryRead)
			switch {
			case strings.HasPrefix(target, journalDir+"/"):
				err = do(Repair{tmp, "a journal entry that was never recorded (the change did not happen)", "remove it"},
					func() error { return v.root.Remove(osPath(tmp)) })
			case recorded && want != "" && crypto.FileHash(b) == want && crypto.FileHash(current) != want:
				err = do(Repair{tmp, "the new content of " + target + ", recorded in the journal but not yet in place", "move it into place"},
					func() error { return v.root.Rename(osPath(tmp), osPath(target)) })
			default:
				err = do(Repair{tmp, "a temporary file of a change that was not recorded", "remove it"},
					func() error { return v.root.Remove(osPath(tmp)) })
			}
			if err != nil {
				return err
			}
		}
		// Removals recorded in the journal whose file is still there.
		for rel, want := range before.expected {
			if want != "" {
				continue
			}
			if ok, _ := v.exists(rel); ok {
				if err := do(Repair{rel, "removed by its latest journal entry, but still present", "remove it"},
					func() error { err := v.root.Remove(osPath(rel)); v.removeEmptyParents(rel); return err }); err != nil {
					return err
				}
			}
		}
		if err := v.setAsideStranded(before, do); err != nil {
			return err
		}
		if rep.Verify, err = v.verifyLocked(VerifyOptions{}); err != nil {
			return err
		}
		return nil
	})
	return rep, err
}

// tempFiles lists the temporary files of interrupted writes: names starting
// with '.' and holding the temp marker, anywhere but a legacy local/.
func (v *Vault) tempFiles() ([]string, error) {
	var out []string
	err := fs.WalkDir(v.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == legacyLocalDir {
			return fs.SkipDir
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), tempMarker) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// tempTarget is the file a temporary file was written for:
// dir/.name.tmp-xxxx → dir/name.
func tempTarget(tmp string) string {
	base := strings.TrimPrefix(path.Base(tmp), ".")
	if i := strings.LastIndex(base, tempMarker); i >= 0 {
		base = base[:i]
	}
	return path.Join(path.Dir(tmp), base)
}

// setAsideStranded moves away the entries whose parents are not in this
// journal and that git does not track, with the secret files they wrote: a
// write made on one branch and carried onto another by git checkout (git
// carries untracked files along). They are encrypted files and signed
// entries, kept in this clone's state directory (set-aside/), never
// deleted: checking out the branch they belong to and copying them back
// restores the write. A tracked secret file they overwrote is restored from
// git; this clone's record of them as heads is dropped.
func (v *Vault) setAsideStranded(before *VerifyReport, do func(Repair, func() error) error) error {
	if len(before.strandedEntries) == 0 {
		return nil
	}
	tracked, inGit := gitTracked(v.Dir)
	if !inGit {
		return nil
	}
	files := make([]string, 0, len(before.strandedEntries))
	for f := range before.strandedEntries {
		if !tracked[journalDir+"/"+f] {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	for _, f := range files {
		rel := journalDir + "/" + f
		writes := before.strandedEntries[f]
		err := do(Repair{rel, "an entry whose parent is not in this journal, not committed in git: a write carried over from another branch by git checkout",
			"move it and the secret files it wrote into this clone's state (set-aside/" + f + "/), restoring tracked ones from git"},
			func() error { return v.setAside(f, writes, tracked) })
		if err != nil {
			return err
		}
	}
	return nil
}

// setAside moves one stranded entry and the files it wrote into
// set-aside/<entry>/ in this clone's state directory.
func (v *Vault) setAside(entry string, writes map[string]string, tracked map[string]bool) error {
	cs, err := v.state()
	if err != nil {
		return err
	}
	dir := filepath.Join(cs.dir, "set-aside", entry)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keep := func(rel string) error {
		b, err := v.readFile(rel, maxEntryRead)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, strings.ReplaceAll(rel, "/", "%")), b, 0o600)
	}
	for name, hash := range writes {
		rel := secretPath(name)
		b, err := v.readFile(rel, maxEntryRead)
		if err != nil || hash == "" || crypto.FileHash(b) != hash {
			continue // not what this entry wrote: leave it
		}
		if err := keep(rel); err != nil {
			return err
		}
		if tracked[rel] {
			if err := gitRestore(v.Dir, rel); err != nil {
				return err
			}
			continue
		}
		if err := v.root.Remove(osPath(rel)); err != nil {
			return err
		}
		v.removeEmptyParents(rel)
	}
	rel := journalDir + "/" + entry
	if err := keep(rel); err != nil {
		return err
	}
	if err := v.root.Remove(osPath(rel)); err != nil {
		return err
	}
	// This clone may have recorded it as a head it verified; gone by
	// design, it is no rollback.
	st, err := v.readVerifiedState()
	if err != nil || st == nil {
		return err
	}
	_, prefix, _ := format.ParseEntryFileName(entry)
	for br, heads := range st.seen {
		st.seen[br] = slices.DeleteFunc(heads, func(h string) bool { return strings.HasPrefix(h, prefix) })
	}
	return v.writeVerifiedState(st)
}
