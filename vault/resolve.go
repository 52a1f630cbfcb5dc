package vault

import (
	"errors"
	"io/fs"
	"slices"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// Resolve records which of the concurrent versions of name, written on two
// branches that were merged, stands: the one now in the work tree (pick it
// with git checkout --ours or --theirs). The entry names every head as
// parent, so it descends from both versions.
func (v *Vault) Resolve(name string) (*Secret, error) {
	if err := format.ValidateName(name); err != nil {
		return nil, problemf(nil, "", "%v", err)
	}
	var out *Secret
	err := v.writeLocked(func(st *verifiedState) error {
		actor, err := v.writerOf(name)
		if err != nil {
			return err
		}
		versions := st.conflictOf(name)
		if versions == nil {
			return problemf(nil, "tresor verify lists conflicts", "%s has no concurrent versions to resolve", name)
		}
		b, err := v.readFile(secretPath(name), format.MaxSecretFileSize)
		if errors.Is(err, fs.ErrNotExist) {
			if !slices.Contains(versions, "") {
				return problemf(nil, "check out one version: git checkout --ours (or --theirs) -- "+DirName+"/"+secretPath(name),
					"%s is missing, and neither branch removed it", name)
			}
			_, err := v.commit(actor, change{Entry: format.Entry{Action: format.ActionRemove, Target: name}})
			return err
		}
		if err != nil {
			return err
		}
		hash := crypto.FileHash(b)
		if !slices.Contains(versions, hash) {
			return problemf(ErrVerify, "check out one version: git checkout --ours (or --theirs) -- "+DirName+"/"+secretPath(name),
				"the file of %s in the work tree is neither of the concurrent versions", name)
		}
		sf, err := v.readSecretFile(name)
		if err != nil {
			return err
		}
		if _, err := v.commit(actor, change{
			Entry: format.Entry{Action: format.ActionResolve, Target: name, File: hash,
				Details: &format.Details{Version: sf.Header.Version, Readers: sf.Header.Readers}},
		}); err != nil {
			return err
		}
		out = &sf.Header
		return nil
	})
	return out, err
}
