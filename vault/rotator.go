package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A rotator is a command an admin signed into the policy (settings.rotators)
// that applies a new value to the system that uses it. A secret's header
// only names one. Before it runs, every file it would run from the
// repository is checked against the SHA-256 the policy pins: anyone with
// push access can change a file in the work tree, and must not thereby
// choose what runs on the machine of the member who rotates.

// maxPinnedFileSize bounds what is hashed for a pinned rotator file.
const maxPinnedFileSize = 64 << 20

// A preparedRotator is a rotator whose program is resolved and whose
// repository files match their pin: ready to run.
type preparedRotator struct {
	name    string
	spec    format.Rotator
	program string // absolute path of the program to start
	dir     string // the top of the work tree: relative paths in run are relative to it
	// missing, when set, is why the program cannot be started (not
	// installed, not found in PATH). It is reported after phase 1, as a
	// failed run: the new value stays pending until --resume or --abort.
	missing error
}

// rotationTree returns the directory whose files are the repository's:
// the top of the git work tree, or the vault's parent directory for a
// vault outside git. Both are also returned with symlinks resolved.
func (v *Vault) rotationTree() (lexical, real string) {
	top := filepath.Dir(v.Dir)
	if _, t, ok := findGitWorkTree(v.Dir); ok {
		top = t
	}
	real, err := filepath.EvalSymlinks(top)
	if err != nil {
		real = top
	}
	return top, real
}

// prepareRotator resolves the signed rotator called rname for secret name.
// An unknown rotator is an error; a repository file that is not pinned, or
// does not match its pin, is ErrVerify. Nothing has been written yet when
// it fails.
func (v *Vault) prepareRotator(secret, rname string) (*preparedRotator, error) {
	spec, ok := v.Policy.RotatorNamed(rname)
	if !ok {
		return nil, problemf(nil, "an admin defines it in policy.yaml's settings.rotators, or a writer names another one (tresor meta "+secret+" --rotator NAME)",
			"%s names the rotator %s, which the policy does not define; nothing was written", secret, rname)
	}
	if len(spec.Run) == 0 || spec.Run[0] == "" {
		return nil, problemf(nil, "", "rotator %s runs no program", rname)
	}
	if !spec.Rotates(secret) {
		// A writer named a rotator meant for other secrets: run, it would
		// set a value that writer reads on the system it manages.
		return nil, problemf(ErrVerify, "an admin adds the secret's path to the rotator's paths, or a writer names another rotator (tresor meta "+secret+" --rotator NAME)",
			"rotator %s may rotate only %s, not %s; nothing was written or run", rname, strings.Join(spec.Paths, ", "), secret)
	}
	top, realTop := v.rotationTree()
	p := &preparedRotator{name: rname, spec: spec, dir: top}
	prog := spec.Run[0]
	switch {
	case strings.ContainsRune(prog, '/') || strings.ContainsRune(prog, filepath.Separator):
		path := filepath.FromSlash(prog)
		if !filepath.IsAbs(path) {
			path = filepath.Join(top, path)
		}
		p.program = filepath.Clean(path)
		if _, err := os.Stat(p.program); err != nil {
			p.missing = fmt.Errorf("rotator %s: program %s: %w", rname, prog, unwrapPath(err))
		}
	default:
		found, err := exec.LookPath(prog)
		switch {
		case errors.Is(err, exec.ErrDot):
			// PATH holds a relative directory (".", "bin"): what it finds
			// depends on the working directory, which may be the repository.
			return nil, problemf(ErrVerify, "remove relative directories such as . from PATH, or give the rotator's program as an absolute path in the policy",
				"rotator %s: %s is found only through a relative directory in PATH; tresor does not run it", rname, prog)
		case err != nil:
			p.program = prog
			p.missing = fmt.Errorf("rotator %s: program %s is not installed (not found in PATH)", rname, prog)
		default:
			p.program = found
		}
	}
	// The program and every argument that names a file are checked: a
	// repository file runs (or is read by an interpreter) only when it is
	// the one the admins pinned.
	candidates := []string{}
	if p.missing == nil {
		candidates = append(candidates, p.program)
	}
	for _, a := range spec.Run[1:] {
		if a == "" || strings.ContainsRune(a, 0) {
			continue
		}
		path := filepath.FromSlash(a)
		if !filepath.IsAbs(path) {
			path = filepath.Join(top, path)
		}
		candidates = append(candidates, filepath.Clean(path))
	}
	for i, c := range candidates {
		isProgram := i == 0 && p.missing == nil
		if err := checkPinned(rname, spec, c, top, realTop, isProgram); err != nil {
			return nil, err
		}
	}
	if p.missing == nil {
		// Start what was hashed, not whatever a symlink points at later.
		if real, err := filepath.EvalSymlinks(p.program); err == nil {
			p.program = real
		}
	}
	return p, nil
}

// checkPinned refuses path when it is a file of the repository (by its
// name, or once symlinks are resolved) whose SHA-256 is not the rotator's
// pin. Paths that name no file (plain arguments such as a role name) pass.
func checkPinned(rname string, spec format.Rotator, path, top, realTop string, isProgram bool) error {
	real, err := filepath.EvalSymlinks(path)
	inRepo := within(path, top) || within(path, realTop)
	if err != nil {
		if inRepo && isProgram {
			return problemf(ErrVerify, "restore it with git", "rotator %s: %s in the repository cannot be resolved: %v", rname, rel(path, top), unwrapPath(err))
		}
		return nil // not a file: an ordinary argument
	}
	inRepo = inRepo || within(real, top) || within(real, realTop)
	if !inRepo {
		return nil // outside the repository: installed by someone with access to this machine
	}
	fi, err := os.Stat(real)
	if err != nil {
		return problemf(ErrVerify, "restore it with git", "rotator %s: %s in the repository cannot be read: %v", rname, rel(path, top), unwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		// A directory cannot be hashed, and interpreters run one
		// (python3 DIR runs DIR/__main__.py): a push would choose the code.
		return problemf(ErrVerify, "a rotator runs a program or script file that the policy pins; restore the file with git",
			"rotator %s: %s in the repository is not a regular file (a directory?), so it cannot be pinned; nothing was written or run", rname, rel(path, top))
	}
	what, file := rel(path, top), rel(path, top)
	if real != path {
		target := real
		if within(real, realTop) {
			target = rel(real, realTop)
		}
		if target != what {
			what = what + " (a symlink to " + target + ")"
		}
		if within(real, realTop) {
			file = target
		}
	}
	if spec.SHA256 == "" {
		return problemf(ErrVerify, "an admin pins it: sha256sum "+file+", then sha256: <hex> in the rotator's policy entry (tresor policy apply)",
			"rotator %s runs %s from the repository, but the policy pins no sha256 for it; anyone with push access could change it; nothing was written", rname, what)
	}
	sum, err := hashFile(real)
	if err != nil {
		return problemf(ErrVerify, "", "rotator %s: reading %s: %v", rname, what, err)
	}
	if sum != spec.SHA256 {
		return problemf(ErrVerify, "review the change (git log -p -- "+file+"); if it is wanted, an admin pins the new sha256 in the policy",
			"rotator %s: %s does not match the sha256 the policy pins for it; it was changed since an admin pinned it; nothing was written", rname, what)
	}
	return nil
}

// within reports whether path is dir or lies below it.
func within(path, dir string) bool {
	r, err := filepath.Rel(dir, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

func rel(path, top string) string {
	if r, err := filepath.Rel(top, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPinnedFileSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxPinnedFileSize {
		return "", errors.New("larger than 64 MiB")
	}
	return crypto.HashHex(b), nil
}

// run starts the rotator for secret with the new value on stdin and the
// current one on file descriptor 3 (and in current-env when the policy
// asks for it), never in argv, in its own process group, and waits at most
// its timeout; then the whole group is killed. Its stdout and stderr go to
// out. Only exit status 0 is success.
func (p *preparedRotator) run(secret string, newValue, current []byte, out io.Writer) error {
	if p.missing != nil {
		return p.missing
	}
	timeout := p.spec.TimeoutOrDefault()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// An interrupt (Ctrl-C, a CI job cancelled) stops the rotator's whole
	// group, not only tresor: the new value stays pending either way.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := exec.CommandContext(ctx, p.program, p.spec.Run[1:]...)
	cmd.Args[0] = p.spec.Run[0]
	cmd.Dir = p.dir
	cmd.Stdin = bytes.NewReader(newValue)
	cmd.Stdout, cmd.Stderr = out, out
	// The rotator gets no tresor identity: it needs none, and a key in its
	// environment would be one print away from a log.
	env := append(withoutIdentity(os.Environ()), "TRESOR_ROTATE_SECRET="+secret)
	if p.spec.CurrentEnv != "" {
		env = append(env, p.spec.CurrentEnv+"="+string(current))
	}
	cmd.Env = env
	startInOwnGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	// Output pipes a grandchild kept open must not hold tresor forever.
	cmd.WaitDelay = 2 * time.Second

	var fd3 *os.File
	if currentOnFD3 {
		r, w, err := os.Pipe()
		if err != nil {
			return fmt.Errorf("rotator %s: %w", p.name, err)
		}
		cmd.ExtraFiles = []*os.File{r}
		fd3 = w
	}
	if err := cmd.Start(); err != nil {
		if fd3 != nil {
			fd3.Close()
			cmd.ExtraFiles[0].Close()
		}
		return fmt.Errorf("rotator %s: starting %s: %w", p.name, p.spec.Run[0], errors.Unwrap(err))
	}
	if fd3 != nil {
		cmd.ExtraFiles[0].Close() // the child has its copy
		go func() {
			// A rotator that does not read fd 3 closes it on exit; the
			// write then fails with EPIPE, which is fine.
			fd3.Write(current)
			fd3.Close()
		}()
	}
	err := cmd.Wait()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("rotator %s did not finish within %s and was killed", p.name, timeout)
	case ctx.Err() != nil:
		return fmt.Errorf("rotator %s was interrupted and killed", p.name)
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("rotator %s exited with %s", p.name, exitDescription(ee))
		}
		return fmt.Errorf("rotator %s: %v", p.name, err)
	}
	return nil
}

func exitDescription(ee *exec.ExitError) string {
	if code := ee.ExitCode(); code >= 0 {
		return fmt.Sprintf("status %d", code)
	}
	return ee.String()
}

// warnUnboundRotators warns, after a policy change, about each rotator
// without paths: any writer may name it on any secret they write, and the
// next admin's rotate --due would run it with a value that writer reads.
func (v *Vault) warnUnboundRotators(p *format.Policy) {
	if p.Settings == nil {
		return
	}
	names := make([]string, 0, len(p.Settings.Rotators))
	for name, r := range p.Settings.Rotators {
		if len(r.Paths) == 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		v.warn(fmt.Sprintf("rotator %s has no paths, so a writer of any secret may name it; limit it to the secrets it rotates with paths: [GLOB, ...] (docs/rotation.md, \"Writing a rotator\")", name))
	}
}

// withoutIdentity is env without the variables that carry tresor's
// identity.
func withoutIdentity(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TRESOR_IDENTITY=") && !strings.HasPrefix(kv, "TRESOR_IDENTITY_FILE=") {
			out = append(out, kv)
		}
	}
	return out
}
