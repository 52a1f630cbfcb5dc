package vault

import (
	"os"
	"path/filepath"
	"testing"
)

func TestGitBranch(t *testing.T) {
	root := t.TempDir()
	vaultDir := filepath.Join(root, "sub", DirName)
	os.MkdirAll(vaultDir, 0o755)
	if got := gitBranch(vaultDir); got != "-" {
		t.Errorf("outside git: %q, want -", got)
	}
	os.MkdirAll(filepath.Join(root, ".git"), 0o755)
	write := func(p, s string) { t.Helper(); os.WriteFile(p, []byte(s), 0o644) }
	write(filepath.Join(root, ".git", "HEAD"), "ref: refs/heads/main\n")
	if got := gitBranch(vaultDir); got != "refs/heads/main" {
		t.Errorf("on a branch: %q", got)
	}
	commit := "0123456789abcdef0123456789abcdef01234567"
	write(filepath.Join(root, ".git", "HEAD"), commit+"\n")
	if got := gitBranch(vaultDir); got != "detached:"+commit {
		t.Errorf("detached: %q", got)
	}
	// A worktree: .git is a file naming the git dir.
	wt := filepath.Join(t.TempDir(), "wt")
	os.MkdirAll(filepath.Join(wt, DirName), 0o755)
	gitdir := filepath.Join(root, ".git", "worktrees", "wt")
	os.MkdirAll(gitdir, 0o755)
	write(filepath.Join(gitdir, "HEAD"), "ref: refs/heads/feature\n")
	write(filepath.Join(wt, ".git"), "gitdir: "+gitdir+"\n")
	if got := gitBranch(filepath.Join(wt, DirName)); got != "refs/heads/feature" {
		t.Errorf("worktree: %q", got)
	}
}
