package vault

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
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
}

// Doctor explains what interrupted changes left behind and, with repair,
// completes or rolls them back. A change whose journal entry was recorded
// is completed from its temporary files (they carry the hashes the entry
// records); a change whose entry was not recorded never happened, and its
// temporary files are removed. A file the journal says was removed is
// removed. Nothing that a journal entry does not vouch for is kept.
func (v *Vault) Doctor(repair bool) (*DoctorReport, error) {
	rep := &DoctorReport{Repairs: []Repair{}}
	err := v.withLock(func() error {
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
