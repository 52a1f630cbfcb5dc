package vault

import (
	"os"
	"path/filepath"
	"strings"
)

// gitBranch names the checkout the vault is in, for the rollback check:
// "refs/heads/main" on a branch, "detached:<commit>" on a detached HEAD,
// "-" outside git. Heads are remembered per branch, so that checking out
// a branch that is behind is not mistaken for the journal going backwards,
// while a reset or a force-pushed history on the same branch still is.
// It reads .git/HEAD only (outside the vault, so not through os.Root).
func gitBranch(vaultDir string) string {
	dir := vaultDir
	for {
		gitPath := filepath.Join(dir, ".git")
		if fi, err := os.Stat(gitPath); err == nil {
			if !fi.IsDir() {
				// A worktree or submodule: ".git" is "gitdir: PATH".
				b, err := os.ReadFile(gitPath)
				if err != nil {
					return "-"
				}
				p, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
				if !ok {
					return "-"
				}
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				gitPath = p
			}
			head, err := os.ReadFile(filepath.Join(gitPath, "HEAD"))
			if err != nil {
				return "-"
			}
			h := strings.TrimSpace(string(head))
			if ref, ok := strings.CutPrefix(h, "ref: "); ok && !strings.ContainsAny(ref, " \n") && ref != "" {
				return ref
			}
			if len(h) >= 40 && !strings.ContainsAny(h, " \n") {
				return "detached:" + h
			}
			return "-"
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "-"
		}
		dir = parent
	}
}
