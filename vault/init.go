package vault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// InitOptions say who creates a vault.
type InitOptions struct {
	// Member is the creator's member name; they become member and admin.
	Member   string
	Identity *crypto.Identity
	Now      func() time.Time
}

// Files tresor writes at init besides the policy and vault.yaml.
const (
	// gitattributes names tresor's drivers for secret files (tresor git
	// setup configures them in each clone), and has git merge policy.yaml
	// as a binary file: a conflict keeps one side whole, never markers
	// (see docs/decisions.md).
	gitattributes = "# tresor: secret files use tresor's diff and merge drivers (tresor git setup configures them in each clone); policy.yaml merges without conflict markers\n*.secret diff=tresor merge=tresor\n/policy.yaml merge=binary\n"
	// legacyGitattributes is what versions before the policy.yaml line
	// wrote; such a file is still accepted as part of the vault.
	legacyGitattributes = "# tresor: secret files name tresor's diff and merge drivers (git falls back to text while they are not configured)\n*.secret diff=tresor merge=tresor\n"
	// legacyGitignore is what versions that kept per-clone state in
	// local/ wrote; such a file is still accepted as part of the vault.
	legacyGitignore = "# tresor: this machine's caches, lock and access log\nlocal/\n"
)

// Init creates a vault in dir with the creator as its only member and admin,
// a policy under which admins read and write everything, and the genesis
// journal entry.
func Init(dir string, opts InitOptions) (*Vault, error) {
	if err := format.ValidateMemberName(opts.Member); err != nil {
		return nil, problemf(nil, "pass --name with a name like alice or ops-lead", "member name: %v", err)
	}
	id := opts.Identity
	if !id.CanSign() {
		return nil, problemf(ErrDenied, "create the vault with an age or ssh-ed25519 identity",
			"a %s identity cannot sign the vault's journal", id.Kind())
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, vaultFileName)); err == nil {
		return nil, problemf(nil, "use the vault that is there, or pass --vault DIR for another", "a vault already exists at %s", abs)
	}
	if ents, err := os.ReadDir(abs); err == nil && len(ents) > 0 {
		return nil, problemf(nil, "remove it (an interrupted init leaves it behind) or choose another --vault DIR",
			"%s exists and is not empty", abs)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", abs, unwrapPath(err))
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, err
	}
	v := &Vault{Dir: abs, root: root, identity: id, now: opts.Now, warn: func(string) {}, readKeys: crypto.NewReadKeyRing()}
	if v.now == nil {
		v.now = time.Now
	}
	if err := v.create(opts.Member); err != nil {
		root.Close()
		return nil, err
	}
	return v, nil
}

func (v *Vault) create(member string) error {
	id := v.identity
	policy := &format.Policy{
		Members: format.MemberMap{member: {Recipient: id.Recipient(), Signer: id.Signer()}},
		Groups:  format.GroupMap{"admins": {member}},
		Rules:   []format.Rule{{Path: "**", Read: format.Names{"admins"}, Write: format.Names{"admins"}}},
		Admins:  format.Names{"admins"},
	}
	policyBytes := policy.Marshal()
	var rnd [16]byte
	rand.Read(rnd[:])
	vaultID := hex.EncodeToString(rnd[:])
	for _, d := range []string{secretsDir, journalDir} {
		if err := v.root.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", d, unwrapPath(err))
		}
	}
	for rel, data := range map[string]string{".gitattributes": gitattributes, secretsDir + "/.keep": "", policyFileName: string(policyBytes)} {
		if err := v.writeNew(rel, []byte(data)); err != nil {
			return err
		}
	}
	e := format.Entry{Seq: 1, Time: v.timeNow(), Actor: member, Action: format.ActionInit,
		File: crypto.FileHash(policyBytes), Details: &format.Details{Vault: vaultID, Policy: string(policyBytes)}}
	unsigned, err := e.MarshalUnsigned()
	if err != nil {
		return err
	}
	sig, err := id.Sign(unsigned)
	if err != nil {
		return err
	}
	entryBytes := (&format.SignedEntry{Entry: e, Signed: unsigned, Signature: sig}).Marshal()
	genesis := crypto.HashHex(entryBytes)
	if err := v.writeNew(journalDir+"/"+format.EntryFileName(1, genesis), entryBytes); err != nil {
		return err
	}
	// vault.yaml comes last: a directory without it is an interrupted init,
	// which no command mistakes for a vault.
	v.File = &format.VaultFile{ID: vaultID, Genesis: genesis}
	if err := v.writeNew(vaultFileName, v.File.Marshal()); err != nil {
		return err
	}
	return v.loadPolicy()
}

// writeNew atomically writes a file that must not exist yet.
func (v *Vault) writeNew(rel string, data []byte) error {
	tmp, err := v.writeTemp(rel, data)
	if err != nil {
		return err
	}
	if err := v.root.Rename(osPath(tmp), osPath(rel)); err != nil {
		v.root.Remove(osPath(tmp))
		return fmt.Errorf("writing %s: %w", rel, unwrapPath(err))
	}
	return v.syncDir(filepath.ToSlash(filepath.Dir(rel)))
}
