package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// Custom testscript commands for the hook scenarios
// (testdata/script/hook_*.txtar).

// reposnapshot DIR: a git repository in DIR with one commit of this
// repository's work tree as it is now: tracked and untracked files that
// git does not ignore. The pre-commit framework builds what a commit holds,
// and the test binary was built from the work tree, so both are this code,
// also before it is committed.
func cmdRepoSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: reposnapshot DIR")
	}
	src := ts.Getenv("TRESOR_REPO_ROOT")
	dst := ts.MkAbs(args[0])
	git := func(dir string, args ...string) []byte {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+ts.Getenv("HOME"),
			"GIT_AUTHOR_NAME=Tester", "GIT_AUTHOR_EMAIL=tester@example.com",
			"GIT_COMMITTER_NAME=Tester", "GIT_COMMITTER_EMAIL=tester@example.com")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			ts.Fatalf("git %v in %s: %v: %s", args, dir, err, stderr.Bytes())
		}
		return out
	}
	list := git(src, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, name := range bytes.Split(bytes.TrimSuffix(list, []byte{0}), []byte{0}) {
		rel := filepath.FromSlash(string(name))
		fi, err := os.Lstat(filepath.Join(src, rel))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		ts.Check(err)
		if !fi.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, rel))
		ts.Check(err)
		ts.Check(os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755))
		ts.Check(os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm()))
	}
	git(dst, "init", "-q")
	git(dst, "add", "-A")
	git(dst, "commit", "-q", "-m", "snapshot")
}
