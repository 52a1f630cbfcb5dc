package vault

import (
	"errors"
	"os/exec"
	"strings"
)

// gitDriverConfig is the clone configuration that the drivers named in
// .tresor/.gitattributes need. git config is not cloned, so every clone
// sets it (tresor git setup; init does it for the clone it runs in).
// The textconv output is never cached (diff.tresor.cachetextconv stays
// unset): git would store it in refs/notes/textconv/tresor, and with
// TRESOR_DIFF_PLAINTEXT=1 that would be plaintext in the object store.
var gitDriverConfig = []struct{ key, value string }{
	{"diff.tresor.textconv", "tresor git textconv"},
	{"merge.tresor.name", "tresor secret files (never writes conflict markers)"},
	{"merge.tresor.driver", "tresor git merge %O %A %B %P"},
}

// GitSetupCommand is the command that configures a clone for the vault.
const GitSetupCommand = "tresor git setup"

// GitSetup configures the diff and merge drivers in the local git config of
// the clone the vault is in, and returns the keys it changed (none when the
// clone was set up already).
func GitSetup(vaultDir string) (changed []string, err error) {
	if _, ok := findGitDir(vaultDir); !ok {
		return nil, problemf(nil, "run it inside the git work tree that holds the vault",
			"%s is not in a git work tree", vaultDir)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, problemf(nil, "install git", "git is not installed: %v", err)
	}
	for _, kv := range gitDriverConfig {
		cur, err := Git(vaultDir, nil, "config", "--local", "--get", kv.key)
		if err == nil && strings.TrimSuffix(string(cur), "\n") == kv.value {
			continue
		}
		if _, err := Git(vaultDir, nil, "config", "--local", kv.key, kv.value); err != nil {
			return changed, err
		}
		changed = append(changed, kv.key)
	}
	return changed, nil
}

// GitSetupMissing reports whether the vault is in a git clone whose config
// lacks tresor's merge driver: a merge there would fall back to git's text
// merge and write conflict markers into secret files. It runs one git
// process, so only commands that write or check call it, never get or exec.
func GitSetupMissing(vaultDir string) bool {
	if _, ok := findGitDir(vaultDir); !ok {
		return false
	}
	// Exit 1 (and no output) means the key is not set.
	out, err := Git(vaultDir, nil, "config", "--get", "merge.tresor.driver")
	return err != nil && !errors.Is(err, ErrNoGit) && len(out) == 0
}

// InGitWorkTree reports whether dir is inside a git work tree.
func InGitWorkTree(dir string) bool {
	_, ok := findGitDir(dir)
	return ok
}

// gitSetupNoted is the per-clone state file that records that this clone
// was checked for the drivers, so that the note is said once.
const gitSetupNoted = "git-setup-checked"

// GitSetupNoteDue reports, the first time a command that writes asks in a
// clone, whether that clone lacks the drivers; after that, false (one note
// per clone, one git process once).
func (v *Vault) GitSetupNoteDue() bool {
	cs, err := v.state()
	if err != nil {
		return false
	}
	if _, err := cs.root.Lstat(gitSetupNoted); err == nil {
		return false
	}
	missing := GitSetupMissing(v.Dir)
	cs.write(gitSetupNoted, nil)
	return missing
}
