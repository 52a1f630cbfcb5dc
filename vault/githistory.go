package vault

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tresor-dev/tresor/format"
)

// A journalHistory is what git's history of the current branch says about
// the journal directory: the entry files deleted by any commit, and
// whether the clone is shallow (then history before its cut is unknown).
type journalHistory struct {
	inGit   bool
	shallow bool
	deleted map[string]string // entry file name → commit that deleted it
	// show returns a deleted entry's bytes as they were before the commit
	// that deleted it.
	show func(name, commit string) ([]byte, error)
}

// readJournalHistory runs git (the real one, as the user has it) on the
// work tree the vault is in. Outside git, or with no git installed, it
// returns a history that is not in git. Only the clone's own git
// configuration applies: nothing in the work tree configures git.
func readJournalHistory(vaultDir string) (*journalHistory, error) {
	h := &journalHistory{deleted: map[string]string{}}
	if _, ok := findGitDir(vaultDir); !ok {
		return h, nil
	}
	if _, err := exec.LookPath("git"); err != nil {
		return h, nil
	}
	jdir := filepath.Join(vaultDir, journalDir)
	run := func(args ...string) ([]byte, error) { return Git(jdir, nil, args...) }
	// One process for three questions (each costs a fork and exec, which
	// a fresh clone's exec pays): in a work tree? shallow? any commit?
	out, err := run("rev-parse", "--is-inside-work-tree", "--is-shallow-repository", "--verify", "-q", "HEAD")
	lines := strings.Fields(string(out))
	if len(lines) == 0 && err != nil {
		return nil, err // there is a .git, but git refused it (safe.directory?)
	}
	if len(lines) < 2 || lines[0] != "true" {
		return h, nil // not in a work tree
	}
	h.inGit = true
	h.shallow = lines[1] == "true"
	if err != nil || len(lines) < 3 {
		return h, nil // no commit yet: no history to check
	}
	// Every commit reachable from HEAD, merges included (a revert merged
	// in from a side branch is a rollback too), compared with each parent.
	out, err = run("log", "--no-renames", "--diff-filter=D", "--name-only", "--relative", "-m", "--format=commit %H", "HEAD", "--", ".")
	if err != nil {
		return nil, err
	}
	h.show = func(name, commit string) ([]byte, error) {
		var last error
		for _, parent := range []string{"^1", "^2"} {
			b, err := run("cat-file", "blob", commit+parent+":./"+name)
			if err == nil {
				return b, nil
			}
			last = err
		}
		return nil, last
	}
	commit := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "commit "); ok {
			commit = c
			continue
		}
		name := filepath.Base(line)
		if _, _, ok := format.ParseEntryFileName(name); ok && !strings.Contains(line, "/") {
			if _, seen := h.deleted[name]; !seen {
				h.deleted[name] = commit
			}
		}
	}
	return h, sc.Err()
}

// gitTracked returns the vault-relative paths git tracks under the vault,
// and whether git could tell (false outside git).
func gitTracked(vaultDir string) (map[string]bool, bool) {
	if _, ok := findGitDir(vaultDir); !ok {
		return nil, false
	}
	out, err := Git(vaultDir, nil, "ls-files", "-z", "--", ".")
	if err != nil {
		return nil, false
	}
	tracked := map[string]bool{}
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			tracked[p] = true
		}
	}
	return tracked, true
}

// gitRestore puts a tracked vault file back as the index has it.
func gitRestore(vaultDir, rel string) error {
	_, err := Git(vaultDir, nil, "checkout", "--", rel)
	return err
}
