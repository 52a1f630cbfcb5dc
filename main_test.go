package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tresor-dev/tresor/cmd"
	"github.com/tresor-dev/tresor/crypto"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tresor": func() { os.Exit(cmd.Main(os.Args)) },
	})
}

// TestScript runs the end-to-end scenarios in testdata/script, one user
// session per file, against the real binary, git, age and ssh-keygen.
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams("testdata/script"))
}

func scriptParams(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup:               setupScriptEnv,
		Condition:           scriptCondition,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"flipbyte":  cmdFlipByte,
			"replace":   cmdReplace,
			"perm":      cmdPerm,
			"sha256":    cmdSHA256,
			"noleak":    cmdNoLeak,
			"snapshot":  cmdSnapshot,
			"exitcode":  cmdExitCode,
			"unchanged": cmdUnchanged,

			"envfrom":     cmdEnvFrom,     // identity_script_test.go
			"passprotect": cmdPassProtect, // identity_script_test.go

			"signentry": cmdSignEntry, // journal_script_test.go
			"lastentry": cmdLastEntry, // journal_script_test.go
			"rehash":    cmdRehash,    // journal_script_test.go
			"headerof":  cmdHeaderOf,  // journal_script_test.go

			"reposnapshot": cmdRepoSnapshot, // hook_script_test.go

			"pg":      cmdPG,      // pg_script_test.go
			"romount": cmdROMount, // readonly_script_test.go
		},
	}
}

// setupScriptEnv gives every script its own HOME, a git identity and no
// keyring, unless the script asks for the real one.
func setupScriptEnv(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	env.Setenv("USER", "tester")
	env.Setenv("NO_COLOR", "1")
	env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	env.Setenv("GIT_AUTHOR_NAME", "Tester")
	env.Setenv("GIT_AUTHOR_EMAIL", "tester@example.com")
	env.Setenv("GIT_COMMITTER_NAME", "Tester")
	env.Setenv("GIT_COMMITTER_EMAIL", "tester@example.com")
	// Only scripts that say `[keyring]` use the real Secret Service; the
	// others see a bus that does not answer, as on a headless server, so
	// that parallel scripts never share one keyring item.
	env.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	if os.Getenv("TRESOR_TEST_KEYRING") != "" {
		env.Setenv("TRESOR_TEST_REAL_DBUS", os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	}
	for _, v := range []string{"TRESOR_TEST_AGE13", "TRESOR_TEST_AGE13_KEYGEN"} {
		env.Setenv(v, os.Getenv(v))
	}
	// This repository, for scripts that build tresor from it as a user's
	// tool would (the pre-commit framework), with the host's Go caches so
	// that the build needs neither a download nor a cold compile.
	if wd, err := os.Getwd(); err == nil {
		env.Setenv("TRESOR_REPO_ROOT", wd)
	}
	for k, v := range hostGoEnv() {
		env.Setenv(k, v)
	}
	return nil
}

// hostGoEnv is the go command's cache, proxy and toolchain settings here.
var hostGoEnv = sync.OnceValue(func() map[string]string {
	vars := []string{"GOCACHE", "GOMODCACHE", "GOPROXY", "GOSUMDB", "GOFLAGS", "GOTOOLCHAIN"}
	out, err := exec.Command("go", append([]string{"env"}, vars...)...).Output()
	if err != nil {
		return nil // no go here: the scripts that need it skip
	}
	env := map[string]string{}
	for i, v := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if i < len(vars) && v != "" {
			env[vars[i]] = v
		}
	}
	return env
})

func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "keyring":
		return os.Getenv("TRESOR_TEST_KEYRING") != "", nil
	case "age13":
		return os.Getenv("TRESOR_TEST_AGE13") != "", nil
	case "postgres":
		return postgresCondition() // pg_script_test.go
	case "romount":
		return canROMount(), nil // readonly_script_test.go
	case "gitclone":
		// This repository is a git clone (TRESOR_REPO_ROOT), not an export.
		_, err := os.Stat(".git")
		return err == nil, nil
	}
	if tool, ok := strings.CutPrefix(cond, "exec:"); ok {
		_, err := exec.LookPath(tool)
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// flipbyte FILE OFFSET: xor one byte of FILE with 0x01. A negative offset
// counts from the end.
func cmdFlipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	off, err := strconv.Atoi(args[1])
	ts.Check(err)
	if off < 0 {
		off += len(b)
	}
	b[off] ^= 0x01
	ts.Check(os.WriteFile(path, b, 0o644))
}

// replace FILE OLD NEW: replace the first OLD in FILE with NEW (Go-quoted
// strings are unquoted first).
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	old, repl := unquote(args[1]), unquote(args[2])
	if !bytes.Contains(b, []byte(old)) {
		ts.Fatalf("%s does not contain %q", args[0], old)
	}
	ts.Check(os.WriteFile(path, bytes.Replace(b, []byte(old), []byte(repl), 1), 0o644))
}

func unquote(s string) string {
	if u, err := strconv.Unquote(`"` + s + `"`); err == nil {
		return u
	}
	return s
}

// perm MODE FILE: check FILE's permission bits.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm MODE FILE")
	}
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %#o, want %s%#o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// sha256 FILE VAR: set VAR to the hex SHA-256 of FILE.
func cmdSHA256(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha256 FILE VAR")
	}
	ts.Setenv(args[1], crypto.HashHex([]byte(ts.ReadFile(args[0]))))
}

// noleak FILE DIR...: fail if the contents of FILE appear in any file
// under the given directories (or in the last stdout/stderr with "stdout"
// and "stderr").
func cmdNoLeak(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: noleak SECRETFILE DIR|stdout|stderr...")
	}
	secret := strings.TrimSpace(ts.ReadFile(args[0]))
	if secret == "" {
		ts.Fatalf("%s is empty", args[0])
	}
	for _, where := range args[1:] {
		if where == "stdout" || where == "stderr" {
			if strings.Contains(ts.ReadFile(where), secret) {
				ts.Fatalf("secret from %s leaked to %s", args[0], where)
			}
			continue
		}
		filepath.Walk(ts.MkAbs(where), func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(secret)) {
				ts.Fatalf("secret from %s leaked into %s", args[0], p)
			}
			return nil
		})
	}
}

// snapshot DIR: remember a hash of DIR (see treeHash).
func cmdSnapshot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: snapshot DIR")
	}
	ts.Setenv("TRESOR_SNAPSHOT", treeHash(ts, args[0]))
}

// unchanged DIR: fail unless DIR is as it was at the last snapshot. Scripts
// use it after a failing command to show that the vault was left unchanged.
func cmdUnchanged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: unchanged DIR")
	}
	if same := treeHash(ts, args[0]) == ts.Getenv("TRESOR_SNAPSHOT"); same == neg {
		ts.Fatalf("%s changed since the snapshot: %v", args[0], !same)
	}
}

// treeHash hashes every path, mode and content under dir. (Per-clone
// state lives in the git directory, so nothing under .tresor/ is skipped:
// a command that left anything there would show.)
func treeHash(ts *testscript.TestScript, dir string) string {
	root := ts.MkAbs(dir)
	var all bytes.Buffer
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(&all, "%s %v\n", rel, fi.Mode())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&all, "%s\n", crypto.HashHex(b))
		}
		return nil
	})
	ts.Check(err)
	return crypto.HashHex(all.Bytes())
}

// exitcode N CMD ARGS...: run CMD like exec and fail unless it exits with
// status N. Its stdout and stderr are checked as after exec.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N CMD ARGS...")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("running %s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}
