package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// DirName is the vault directory's default name, at the git work tree root.
const DirName = ".tresor"

// A Vault is an open vault directory.
type Vault struct {
	// Dir is the vault directory's absolute path.
	Dir string
	// File is vault.yaml.
	File *format.VaultFile
	// Policy is policy.yaml as last read.
	Policy *format.Policy

	root *os.Root
	// dirFile is the vault directory opened once for the readers that
	// open files relative to it (secretreader_linux.go).
	dirOnce    sync.Once
	dirFile    *os.File
	clone      *cloneState // this clone's state, opened on first use
	policyHash string      // of policy.yaml as last read
	identity   *crypto.Identity
	now        func() time.Time
	warn       func(msg string)
	// mem is this process's verified state, trusted while memStamp holds
	// (see remember); unsaved is a state a write left to save.
	mem      *verifiedState
	memStamp string
	unsaved  *verifiedState
	// holding: Hold holds the lock, so withLock takes it no more.
	holding bool
	// readOnly: the checkout cannot be written (see checkLocked), so
	// nothing is recorded in this clone's state.
	readOnly bool
	// logProblems are the entries the last Log could not read.
	logProblems []Finding
	sealer      crypto.Sealer

	// Read keys (readkeys.go): those learned from opened files, and this
	// identity's own, loaded on the first write.
	readKeys      *crypto.ReadKeyRing
	writerKeysMu  sync.Mutex // reencrypt seals on several goroutines
	writerKeys    *crypto.WriterKeys
	writerKeysFor *crypto.Identity

	// expiryWarned are the expired secrets this process warned about
	// (expiry.go): exec --mount reads a secret twice, the user hears once.
	expiryWarned map[string]bool

	// policyUsed is the hash of the policy Policy holds: policy.yaml's,
	// or the signed policy's while policy.yaml holds unsigned edits
	// (policy_signed.go); "" before either is known.
	policyUsed  string
	warnedEdits bool
	// revocation is what the last policy change took and did (revoke.go);
	// revocationProgress is told how far its re-encryption has got.
	revocation         *Revocation
	revocationProgress func(done, total int)
}

// Options configure how a vault is opened.
type Options struct {
	// Identity decrypts and signs; nil for commands that need neither.
	Identity *crypto.Identity
	// Now is the clock; nil means the system clock.
	Now func() time.Time
	// Warn receives what went wrong without failing the command (a cache
	// that could not be saved after a write was committed); nil drops it.
	Warn func(msg string)
}

// Open opens the vault in dir.
func Open(dir string, opts Options) (*Vault, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, problemf(ErrNotFound, "run tresor init to create a vault, or pass --vault DIR", "no vault at %s", abs)
	}
	v := &Vault{Dir: abs, root: root, identity: opts.Identity, now: opts.Now, warn: opts.Warn, readKeys: crypto.NewReadKeyRing()}
	if v.now == nil {
		v.now = time.Now
	}
	if v.warn == nil {
		v.warn = func(string) {}
	}
	b, err := v.readFile(vaultFileName, 64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		root.Close()
		return nil, problemf(ErrNotFound, "run tresor init to create a vault, or pass --vault DIR", "no vault at %s (vault.yaml is missing)", abs)
	}
	if err != nil {
		root.Close()
		return nil, err
	}
	if v.File, err = format.ParseVaultFile(b); err != nil {
		root.Close()
		return nil, &Problem{class: damagedClass(err), cause: err, hint: "vault.yaml is written by tresor init; restore it with git (git checkout -- " + DirName + "/vault.yaml)"}
	}
	if len(v.File.Plugins) > 0 || v.File.Generate != "" {
		// Earlier versions kept these in vault.yaml, where anyone with push
		// access could change them without a signature.
		root.Close()
		return nil, problemf(ErrVerify, "an admin moves them into policy.yaml's settings (tresor policy show > p.yaml, add settings: {plugins: [...], generate: ...}, tresor policy apply p.yaml) and removes them from vault.yaml",
			"vault.yaml sets plugins or generate, which are not signed; tresor reads behaviour settings only from the signed policy")
	}
	if err := v.loadPolicy(); err != nil {
		root.Close()
		return nil, err
	}
	return v, nil
}

// Close releases the vault.
func (v *Vault) Close() error {
	v.closeState()
	if v.dirFile != nil {
		v.dirFile.Close()
	}
	return v.root.Close()
}

// SetIdentity sets the identity used to decrypt and sign.
func (v *Vault) SetIdentity(id *crypto.Identity) { v.identity = id }

// Plugins returns the signed policy's allow-list of age plugins, once the
// journal verifies: an unsigned policy.yaml must never decide which
// programs tresor starts. Without plugins in policy.yaml nothing needs
// checking.
func (v *Vault) Plugins() ([]string, error) {
	if len(v.Policy.Plugins()) == 0 && v.policyUsed != "" {
		return nil, nil
	}
	if _, err := v.verifiedForRead(); err != nil {
		return nil, err
	}
	return v.Policy.Plugins(), nil
}

func (v *Vault) loadPolicy() error {
	b, err := v.readFile(policyFileName, 4<<20)
	if err != nil {
		return fmt.Errorf("reading policy: %w", err)
	}
	h := crypto.FileHash(b)
	if v.Policy != nil && h == v.policyHash {
		return nil // as parsed last time (the lock reloads it before every use)
	}
	p, err := format.ParsePolicy(b)
	if err != nil && damagedClass(err) == nil {
		return &Problem{cause: err, hint: "policy.yaml is written by tresor; restore it with git (git checkout -- " + DirName + "/policy.yaml, or during a merge git checkout --ours -- " + DirName + "/policy.yaml)"}
	}
	if err != nil {
		// A hand edit (or a push) that is not what tresor writes: the
		// signed policy takes its place once the journal verifies, and
		// until then nothing is allowed (see useSignedPolicy).
		p = unknownPolicy()
		v.policyUsed = ""
	} else {
		v.policyUsed = h
	}
	v.Policy = p
	v.policyHash = h
	v.sealer = crypto.Sealer{Plugins: p.Plugins()}
	return nil
}

// damagedClass is the class of a vault file that does not parse: a file
// from a newer tresor is an ordinary error; anything else that is not what
// tresor writes fails verification (exit 3), since a push can put it there.
func damagedClass(err error) error {
	if errors.Is(err, format.ErrUnknownVersion) {
		return nil
	}
	return ErrVerify
}

// Discover walks up from start looking for a vault directory: a .tresor
// directory holding vault.yaml.
func Discover(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, DirName)
		if fi, err := os.Stat(filepath.Join(candidate, vaultFileName)); err == nil && fi.Mode().IsRegular() {
			// git can check out .tresor as a symlink to anywhere: the vault
			// would be files the repository does not hold.
			if li, err := os.Lstat(candidate); err == nil && li.Mode()&fs.ModeSymlink != 0 {
				return "", problemf(ErrVerify, "replace it with the vault directory itself, or pass --vault DIR explicitly",
					"%s is a symlink; tresor does not follow one to find the vault", candidate)
			}
			// A push can plant a vault of its own in any subdirectory,
			// and a command run there would take it for the team's. Two
			// vaults up to the top of the work tree must be chosen
			// between with --vault.
			if other := vaultAbove(dir); other != "" {
				return "", problemf(ErrVerify, "pass --vault DIR (or set TRESOR_VAULT) for the one you mean; remove a vault that should not be there",
					"two vaults: %s and, above it, %s", candidate, other)
			}
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", problemf(ErrNotFound, "run tresor init in your git repository, or pass --vault DIR",
				"no tresor vault in %s or any parent directory", start)
		}
		dir = parent
	}
}

// vaultAbove returns a vault directory in a parent of dir, up to the top of
// the git work tree dir is in (not beyond: a repository may sit inside a
// home directory that has a vault of its own), or "".
func vaultAbove(dir string) string {
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return "" // dir is the top of its work tree
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, DirName)
		if fi, err := os.Stat(filepath.Join(candidate, vaultFileName)); err == nil && fi.Mode().IsRegular() {
			return candidate
		}
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil || filepath.Dir(d) == d {
			return ""
		}
	}
}

// GitRoot walks up from start to the top of the git work tree.
func GitRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", problemf(ErrNotFound, "run git init first, or pass --vault DIR to put the vault elsewhere",
				"%s is not inside a git work tree", start)
		}
		dir = parent
	}
}

func (v *Vault) timeNow() time.Time { return v.now().UTC().Truncate(time.Second) }
