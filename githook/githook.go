// Package githook installs tresor's pre-commit hook into a git repository.
// Hooks are git's files, outside the vault, so this is not package vault's
// business; it knows nothing of vaults beyond the directory to name (it
// starts git through vault.Git, the one place tresor runs git).
package githook

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tresor-dev/tresor/vault"
)

const (
	hookName    = "pre-commit"
	chainedName = "pre-commit.tresor-chained"
	// marker tells tresor's hook from any other: install updates it in
	// place, uninstall removes only it.
	marker = "# installed by tresor hook install"
)

// Hook is what the installed hook checks.
type Hook struct {
	// Vault is the vault directory as the hook names it, relative to the
	// top of the work tree (git runs hooks there), or "" for .tresor at
	// the top, which tresor finds by itself.
	Vault string
	// Scan runs tresor scan --staged after tresor verify.
	Scan bool
}

// Script is the hook's text: the chained hook first (as git would run it:
// only when executable), then tresor verify and tresor scan --staged; the
// first that fails blocks the commit with its exit code.
func (h Hook) Script() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `#!/bin/sh
%s: checks the vault before every commit.
# tresor hook uninstall removes it and puts back the hook it chained;
# git commit --no-verify skips it once.
hooks=$(dirname "$0")
if [ -x "$hooks/%s" ]; then
	"$hooks/%s" "$@" || exit $?
fi
if ! command -v tresor >/dev/null 2>&1; then
	echo "tresor: error: the pre-commit hook needs tresor on PATH" >&2
	echo "tresor: hint: install tresor, or delete $0 (and rename $hooks/%s back to pre-commit if it is there)" >&2
	exit 1
fi
`, marker, chainedName, chainedName, chainedName)
	if h.Vault != "" {
		fmt.Fprintf(&b, "TRESOR_VAULT=%s\nexport TRESOR_VAULT\n", shellQuote(h.Vault))
	}
	b.WriteString("tresor verify || exit $?\n")
	if h.Scan {
		b.WriteString("tresor scan --staged || exit $?\n")
	}
	return b.Bytes()
}

// shellQuote quotes s for sh: in single quotes, each quote inside closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// VaultPath is how the hook names the vault directory vdir (Hook.Vault): "" for .tresor at the top
// of the work tree (tresor finds it from there), else its path relative to
// the top, where git runs hooks.
func VaultPath(top, vdir string) string {
	abs, err := filepath.Abs(vdir)
	if err != nil {
		return vdir
	}
	// The top git prints has symlinks resolved; the vault path may not.
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	if r, err := filepath.EvalSymlinks(top); err == nil {
		top = r
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return abs
	}
	if rel == ".tresor" {
		return ""
	}
	return filepath.ToSlash(rel)
}

// Dir is the directory git runs hooks from in the repository at workDir:
// core.hooksPath when set (a hook anywhere else would never run), else
// the git directory's hooks/.
func Dir(workDir string) (string, error) {
	p, err := gitOutput(workDir, "rev-parse", "--git-path", "hooks")
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(workDir, p)
	}
	return p, nil
}

// TopLevel is the top of the work tree that holds workDir.
func TopLevel(workDir string) (string, error) {
	return gitOutput(workDir, "rev-parse", "--show-toplevel")
}

func gitOutput(dir string, args ...string) (string, error) {
	out, err := vault.Git(dir, nil, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Installed says what Install did.
type Installed struct {
	Path string // the hook written
	// Chained is the path the hook that was there before now has; tresor's
	// hook runs it first. "" when there was none, or when Replaced.
	Chained  string
	Updated  bool // tresor's hook was there already and was rewritten
	Replaced bool // force: a hook that was there is gone
}

// ErrNotOurs is returned when the pre-commit hook, or the place tresor
// would move it to, belongs to someone else.
var ErrNotOurs = errors.New("not tresor's hook")

// Install writes tresor's hook as dir/pre-commit. A hook that is there
// already is kept as pre-commit.tresor-chained and run first; with force
// it is replaced (and a chained one removed) instead. Installing again
// rewrites tresor's hook and keeps what it chains.
func Install(dir string, h Hook, force bool) (Installed, error) {
	res := Installed{Path: filepath.Join(dir, hookName)}
	chained := filepath.Join(dir, chainedName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	ours, exists, err := isOurs(res.Path)
	if err != nil {
		return res, err
	}
	_, err = os.Lstat(chained)
	chainedExists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	switch {
	case force:
		res.Replaced = exists && !ours || chainedExists
		if chainedExists {
			if err := os.Remove(chained); err != nil {
				return res, err
			}
		}
	case ours:
		res.Updated = true
		if chainedExists {
			res.Chained = chained
		}
	case exists:
		if chainedExists {
			return res, fmt.Errorf("%w: %s and %s are both there; tresor chains one hook only", ErrNotOurs, res.Path, chained)
		}
		if err := os.Rename(res.Path, chained); err != nil {
			return res, err
		}
		res.Chained = chained
	}
	return res, writeExecutable(res.Path, h.Script())
}

// Uninstalled says what Uninstall did.
type Uninstalled struct {
	Path     string // the hook removed; "" when tresor's hook was not there
	Restored bool   // the chained hook is pre-commit again
}

// Uninstall removes tresor's hook from dir and puts back the hook it
// chained. Another program's pre-commit hook is left alone (ErrNotOurs).
func Uninstall(dir string) (Uninstalled, error) {
	var res Uninstalled
	path := filepath.Join(dir, hookName)
	chained := filepath.Join(dir, chainedName)
	ours, exists, err := isOurs(path)
	if err != nil {
		return res, err
	}
	if exists && !ours {
		return res, fmt.Errorf("%w: %s", ErrNotOurs, path)
	}
	if ours {
		if err := os.Remove(path); err != nil {
			return res, err
		}
		res.Path = path
	}
	// Also when tresor's hook is gone already (deleted by hand): the
	// chained hook would otherwise never run again.
	if _, err := os.Lstat(chained); err == nil {
		if err := os.Rename(chained, path); err != nil {
			return res, err
		}
		res.Restored = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	return res, nil
}

// isOurs reports whether path exists and is tresor's hook.
func isOurs(path string) (ours, exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if !fi.Mode().IsRegular() {
		return false, true, nil // a symlink or directory is someone else's
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return false, true, err
	}
	return bytes.Contains(b, []byte("\n"+marker)), true, nil
}

// writeExecutable replaces path atomically with an executable file holding b.
func writeExecutable(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tresor-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o755)
	}
	// Close, then rename: Windows does not rename an open file.
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
