package vault

import (
	"path/filepath"
	"strings"
)

// gitBranch names the checkout the vault is in, for the rollback check:
// "refs/heads/main" on a branch, "detached:<commit>" on a detached HEAD,
// "-" outside git. Heads are remembered per branch, so that checking out
// a branch that is behind is not mistaken for the journal going backwards,
// while a reset or a force-pushed history on the same branch still is.
// It reads the git directory's HEAD only (outside the vault, so not through
// os.Root).
func gitBranch(vaultDir string) string {
	gitDir, ok := findGitDir(vaultDir)
	if !ok {
		return "-"
	}
	head, err := readSmall(filepath.Join(gitDir, "HEAD"), 4096)
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
