package vault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
)

// Per-clone state (what this clone verified, caches, read keys, the access
// log, the lock) is this machine's, never the repository's. Anything in the
// work tree can arrive with a pull, so it lives where git never writes what
// others pushed: the git directory (<git dir>/tresor/, which is per
// worktree), or for a vault outside git $XDG_STATE_HOME/tresor/<vault
// id>-<hash of the vault path>/. The directory is made 0700, and no path
// into it or inside it may be a symlink.
type cloneState struct {
	dir  string
	root *os.Root
}

// stateDirName is the folder in the git directory.
const stateDirName = "tresor"

// legacyLocalDir is where versions before 0.3 kept per-clone state, inside
// the vault. It is never read; verify ignores it with a notice.
const legacyLocalDir = "local"

// cloneStateDir returns where the vault in vaultDir keeps its per-clone
// state. It does not create it.
func cloneStateDir(vaultDir, vaultID string) (string, error) {
	if gitDir, top, ok := findGitWorkTree(vaultDir); ok {
		state := filepath.Join(gitDir, stateDirName)
		if rel, err := filepath.Rel(top, vaultDir); err == nil && rel != DirName {
			// Another vault than the one at the top of the work tree gets a
			// directory of its own, so that one vault's state (its rollback
			// memory above all) is never replaced by another's.
			state = filepath.Join(state, "vaults", crypto.HashHex([]byte(filepath.ToSlash(rel)))[:16])
		}
		return state, nil
	}
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", problemf(nil, "set XDG_STATE_HOME (or HOME) to a directory of yours",
				"the vault is outside git and there is no place for this machine's state (no XDG_STATE_HOME or HOME)")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, stateDirName, vaultID+"-"+crypto.HashHex([]byte(vaultDir))[:16]), nil
}

// findGitDir walks up from dir to the work tree's .git and returns the git
// directory it stands for: .git itself, or where a ".git" file (worktrees,
// submodules) points. git never checks out a path named .git, so what is
// found is the clone's own.
func findGitDir(dir string) (string, bool) {
	gitDir, _, ok := findGitWorkTree(dir)
	return gitDir, ok
}

// findGitWorkTree is findGitDir that also returns the top of the work tree.
func findGitWorkTree(dir string) (gitDir, top string, ok bool) {
	for {
		p := filepath.Join(dir, ".git")
		if fi, err := os.Lstat(p); err == nil {
			switch {
			case fi.IsDir():
				return p, dir, true
			case fi.Mode().IsRegular():
				b, err := readSmall(p, 4096)
				if err != nil {
					return "", "", false
				}
				target, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
				if !ok || target == "" {
					return "", "", false
				}
				if !filepath.IsAbs(target) {
					target = filepath.Join(dir, target)
				}
				if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
					return "", "", false
				}
				return filepath.Clean(target), dir, true
			default:
				return "", "", false
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", "", false
		}
		dir = parent
	}
}

// readSmall reads at most limit bytes of a regular file outside the vault.
func readSmall(p string, limit int64) ([]byte, error) {
	f, err := openRegular(nil, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// state opens the per-clone state directory, making it on first use.
func (v *Vault) state() (*cloneState, error) {
	if v.clone != nil {
		return v.clone, nil
	}
	dir, err := cloneStateDir(v.Dir, v.File.ID)
	if err != nil {
		return nil, err
	}
	if err := makePrivateDir(dir); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening this clone's state: %w", err)
	}
	v.clone = &cloneState{dir: dir, root: root}
	return v.clone, nil
}

// makePrivateDir makes dir (and its missing parents) and checks that dir
// itself is a real directory, not a symlink, closed to others.
func makePrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return fmt.Errorf("creating this clone's state: %w", err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("creating this clone's state: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("this clone's state: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
		return problemf(ErrVerify, "remove it; tresor makes it again as a directory",
			"%s is not a directory (a symlink?); tresor keeps this clone's state there and refuses to follow it", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("closing %s to others: %w", dir, err)
		}
	}
	return nil
}

func (v *Vault) closeState() {
	if v.clone != nil {
		v.clone.root.Close()
		v.clone = nil
	}
}

// checkName refuses a state file that is a symlink or not a regular file.
// State files are flat: name has no separator.
func (s *cloneState) checkName(name string) error {
	fi, err := s.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return problemf(ErrVerify, "remove it: tresor makes it again",
			"%s is not a regular file (a symlink?); tresor never follows one in this clone's state", filepath.Join(s.dir, name))
	}
	return nil
}

// read returns a state file's bytes; a missing file wraps fs.ErrNotExist.
func (s *cloneState) read(name string, limit int64) ([]byte, error) {
	if err := s.checkName(name); err != nil {
		return nil, err
	}
	f, err := openRegular(s.root, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// write atomically replaces a state file, 0600, without syncing it: state
// is rebuilt from the vault when lost (a crash may cost speed, never the
// vault), and reads should not wait for the disk. A symlink in its place is
// replaced, never followed.
func (s *cloneState) write(name string, data []byte) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := "." + name + tempMarker + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing this clone's %s: %w", name, unwrapPath(err))
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		s.root.Remove(tmp)
		return fmt.Errorf("writing this clone's %s: %w", name, unwrapPath(errors.Join(werr, cerr)))
	}
	if err := s.root.Rename(tmp, name); err != nil {
		s.root.Remove(tmp)
		return fmt.Errorf("writing this clone's %s: %w", name, unwrapPath(err))
	}
	return nil
}

// openFile opens a state file for appending or locking, refusing anything
// but a regular file.
func (s *cloneState) openFile(name string, flag int) (*os.File, error) {
	if err := s.checkName(name); err != nil {
		return nil, err
	}
	f, err := s.root.OpenFile(name, flag|noFollow, 0o600)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	return f, nil
}

// legacyStateNotice is the one line shown when a vault still has the
// local/ directory of earlier versions.
func (v *Vault) legacyStateNotice() string {
	if fi, err := v.root.Lstat(legacyLocalDir); err == nil && fi.Mode()&fs.ModeSymlink == 0 {
		return DirName + "/" + legacyLocalDir + "/ is from an earlier tresor and is ignored (this clone's state now lives in " + v.stateHint() + "); you may delete it"
	}
	return ""
}

func (v *Vault) stateHint() string {
	if dir, err := cloneStateDir(v.Dir, v.File.ID); err == nil {
		return dir
	}
	return "the git directory"
}
