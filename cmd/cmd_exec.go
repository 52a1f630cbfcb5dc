package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
	"github.com/tresor-dev/tresor/vault/mask"
)

// nestedMarker is set in the child's environment so that a tresor exec
// inside another one notices (and refuses without --nested).
const nestedMarker = "TRESOR_EXEC"

// pristineAllow are the variables --pristine keeps from the parent.
var pristineAllow = []string{"PATH", "HOME", "USER", "LANG", "TERM", "TZ", "TMPDIR"}

func execCommand(t *terminal) *cli.Command {
	var only, envFiles globList
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with secrets as environment variables",
		ArgsUsage: "-- CMD [ARGS...]",
		Description: `Decrypts the selected secrets (all you can read by default), checks each
against the journal, and runs CMD with them as environment variables. Nothing
is written to disk. If any selected secret fails, CMD never starts.

A secret becomes the variable in its env header, or its name relative to
--prefix in upper case with '/', '-' and '.' as '_' (prod/db/password with
--prefix prod/ is DB_PASSWORD). Two secrets mapping to one variable, a name
that is not a valid identifier, or a variable already set in the environment
(without --override) is an error.

Every writer of a selected secret chose its variable, so a secret whose
variable changes what code runs (LD_*, BASH_ENV, NODE_OPTIONS, PATH, GIT_*,
...: docs/security.md lists them) stops CMD before it starts, with exit 3,
unless the signed policy allows that name (settings: {allow-env: [NAME]}).
Run production with --prefix prod/ (or --only): then CMD gets only secrets
whose writers the policy's rule for prod/** names.

Without --mask and --mount, tresor replaces itself with CMD (execve), so
signals and the exit code are CMD's own. Otherwise it forwards SIGTERM,
SIGHUP, SIGUSR1 and SIGUSR2 (and SIGINT and SIGQUIT when stdin is not a
terminal; on a terminal the child gets those from it directly) and exits with
CMD's code, or 128+N when CMD dies of signal N; 127 when CMD is not found
and 126 when it cannot be executed, as shells do.

Examples:
   tresor exec -- ./server
   tresor exec --prefix prod/ --only 'prod/db/*' -- psql
   tresor exec --mount tls/key=TLS_KEY_FILE -- nginx -g 'daemon off;'
   tresor exec --mask -- ./deploy.sh`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "prefix", Usage: "only secrets under `PREFIX`; variable names are relative to it"},
			&cli.GenericFlag{Name: "only", Value: &only, Usage: "only secrets matching `GLOB` (repeatable; a plain name must exist and be readable)"},
			&cli.BoolFlag{Name: "override", Usage: "let secrets replace variables already in the environment"},
			&cli.BoolFlag{Name: "pristine", Usage: "start from an empty environment plus " + strings.Join(pristineAllow, ", ")},
			&cli.GenericFlag{Name: "env-file", Value: &envFiles, Usage: "also load the non-secret settings in dotenv `FILE` (repeatable)"},
			&cli.StringSliceFlag{Name: "mount", Usage: "write secret NAME to a private 0600 file and set VAR to its path (`NAME=VAR`, repeatable)"},
			&cli.BoolFlag{Name: "mask", Usage: "replace secret values (and their base64) in CMD's output with *****"},
			&cli.BoolFlag{Name: "nested", Usage: "allow running inside another tresor exec"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("tresor exec [flags] -- CMD [ARGS...]", "tresor exec needs a command to run")
			}
			if os.Getenv(nestedMarker) != "" && !c.Bool("nested") {
				return usagef("pass --nested if you mean it", "already inside tresor exec")
			}
			mounts, err := parseMounts(c.StringSlice("mount"))
			if err != nil {
				return err
			}
			v, env, err := selectEnvironment(c, t, only)
			if err != nil {
				return err
			}
			defer v.Close()
			base := os.Environ()
			if c.Bool("pristine") {
				base = pristine(base)
			}
			for _, f := range envFiles {
				if base, err = withEnvFile(t, base, f); err != nil {
					return err
				}
			}
			if err := checkEnvSizes(env.Vars); err != nil {
				return err
			}
			childEnv, err := mergeEnv(base, env.Vars, c.Bool("override"))
			if err != nil {
				return err
			}
			childEnv = append(childEnv, nestedMarker+"=1")
			var mountDir string
			var mounted [][]byte
			if len(mounts) > 0 {
				mountDir, err = privateTempDir(plaintextMount)
				if err != nil {
					return err
				}
				defer os.RemoveAll(mountDir)
				present := map[string]bool{}
				for _, kv := range childEnv {
					k, _, _ := strings.Cut(kv, "=")
					present[k] = true
				}
				for _, m := range mounts {
					if present[m.variable] && !c.Bool("override") {
						return usagef("pass --override to let the mount win, or choose another variable",
							"%s is already set in the environment (--mount %s would replace it)", m.variable, m.secret)
					}
					value, _, err := v.Get(m.secret)
					if err != nil {
						return err
					}
					mounted = append(mounted, value)
					p := filepath.Join(mountDir, m.variable)
					if err := os.WriteFile(p, value, 0o600); err != nil {
						return fmt.Errorf("writing the mounted secret %s: %w", m.secret, unwrapPathErr(err))
					}
					childEnv = setEnv(childEnv, m.variable, p)
				}
			}
			var secrets [][]byte
			if c.Bool("mask") {
				for _, ev := range env.Vars {
					secrets = append(secrets, ev.Value)
				}
				secrets = append(secrets, mounted...)
			}
			v.Close()
			args := c.Args().Slice()
			path, err := lookPath(args[0], childEnv)
			if err != nil {
				return &cannotRun{code: exitNotFound, err: err}
			}
			if !c.Bool("mask") && len(mounts) == 0 && canReplaceProcess {
				// Replace tresor with the command: its signals and exit code
				// are then its own, with nothing in between.
				err := replaceProcess(path, args, childEnv)
				return startFailed(fmt.Errorf("running %s: %w", args[0], err))
			}
			code, err := runChild(t, path, args, childEnv, secrets)
			os.RemoveAll(mountDir)
			if err != nil {
				return startFailed(err)
			}
			return exitWith(code)
		},
	}
}

// childExit is an error that only carries the exit code of a child, which
// tresor passes on without printing anything.
type childExit int

func (e childExit) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Exit codes of a command that could not run, as shells give them.
const (
	exitCannotExecute = 126 // found, but not executable
	exitNotFound      = 127
)

// cannotRun is a command tresor exec could not start: an error line, and
// the shell's exit code for it, so that scripts tell it from the command's
// own failures.
type cannotRun struct {
	code int
	err  error
}

func (e *cannotRun) Error() string { return e.err.Error() }
func (e *cannotRun) Unwrap() error { return e.err }

// startFailed classifies an error starting the command: not found (127),
// not executable (126), or another error of tresor's.
func startFailed(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &cannotRun{code: exitNotFound, err: err}
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC):
		return &cannotRun{code: exitCannotExecute, err: err}
	}
	return err
}

func exitWith(code int) error {
	if code == 0 {
		return nil
	}
	return childExit(code)
}

type mountSpec struct{ secret, variable string }

func parseMounts(specs []string) ([]mountSpec, error) {
	var out []mountSpec
	for _, s := range specs {
		name, variable, ok := strings.Cut(s, "=")
		if !ok || format.ValidateName(name) != nil || !format.ValidEnvName(variable) {
			return nil, usagef("e.g. --mount tls/key=TLS_KEY_FILE", "--mount %q is not NAME=VAR", s)
		}
		for _, m := range out {
			if m.variable == variable {
				return nil, usagef("", "--mount %s and --mount %s both set %s", m.secret, name, variable)
			}
		}
		out = append(out, mountSpec{name, variable})
	}
	return out, nil
}

func pristine(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		for _, a := range pristineAllow {
			if k == a {
				out = append(out, kv)
			}
		}
	}
	return out
}

// mergeEnv adds the secrets to the environment. A variable already set is
// an error unless override; the error names the variable and the secret,
// never a value.
func mergeEnv(base []string, vars []vault.EnvVar, override bool) ([]string, error) {
	present := map[string]bool{}
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		present[k] = true
	}
	out := base
	for _, ev := range vars {
		if bytes.IndexByte(ev.Value, 0) >= 0 {
			return nil, fmt.Errorf("secret %s holds a NUL byte, which no environment variable can carry; pass it as a file with --mount %s=VAR", ev.Secret, ev.Secret)
		}
		if present[ev.Name] {
			if !override {
				return nil, usagef("pass --override to let the secret win, or unset the variable",
					"%s is already set in the environment (secret %s would replace it)", ev.Name, ev.Secret)
			}
			out = removeEnv(out, ev.Name)
		}
		out = append(out, ev.Name+"="+string(ev.Value))
	}
	return out, nil
}

func removeEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

func setEnv(env []string, key, value string) []string {
	return append(removeEnv(env, key), key+"="+value)
}

// lookPath finds cmd in the child's PATH.
func lookPath(cmd string, env []string) (string, error) {
	if strings.ContainsRune(cmd, os.PathSeparator) {
		return cmd, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, cmd)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found in PATH", cmd)
}

// runChild runs the command, forwarding signals and masking its output, and
// returns its exit code (128+N when it died of signal N).
func runChild(t *terminal, path string, args, env []string, secrets [][]byte) (int, error) {
	cmd := exec.Command(path, args[1:]...)
	cmd.Args = args
	cmd.Env = env
	cmd.Stdin = os.Stdin
	var closers []io.Closer
	if secrets != nil {
		out := mask.New(os.Stdout, secrets)
		errw := mask.New(os.Stderr, secrets)
		cmd.Stdout, cmd.Stderr = out, errw
		closers = append(closers, out, errw)
		if n := out.Skipped(); n > 0 {
			t.note("warning: %d secret value(s) shorter than %d bytes are not masked", n, mask.MinLength)
		}
	} else {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	// A reader that goes away (| head) must not kill tresor before it
	// removes mounted files: writes then fail with EPIPE instead.
	ignoreBrokenPipe()
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	// The command is the user's program: it gets the core limit tresor found.
	if err := withUserCoreLimit(cmd.Start); err != nil {
		return 0, fmt.Errorf("running %s: %w", args[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				// On a terminal, Ctrl-C and Ctrl-\ reach the child from the
				// terminal itself (same process group); sending them again
				// would make it see two.
				if t.stdinTTY && terminalSignal(s) {
					continue
				}
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	for _, c := range closers {
		c.Close()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if n, ok := killedBy(ee); ok {
			return 128 + n, nil
		}
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
