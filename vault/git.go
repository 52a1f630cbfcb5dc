package vault

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ErrNoGit is returned by Git when git is not installed.
var ErrNoGit = errors.New("git is not installed")

// gitTimeout bounds each git command tresor runs.
const gitTimeout = 2 * time.Minute

// Git runs the real git in dir, with stdin when not nil, and returns its
// output. Only the clone's own configuration applies (nothing in the work
// tree configures git); optional locks are off, so a read never blocks a
// user's git, and messages are in the C locale. An error carries the first
// line git printed on stderr; the output git gave before failing is
// returned too. This is the one place tresor starts git.
func Git(dir string, stdin io.Reader, args ...string) ([]byte, error) {
	path, err := exec.LookPath("git")
	if err != nil {
		return nil, ErrNoGit
	}
	ctx, cancel := context.WithTimeout(context.Background(), gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-C", dir, "-c", "core.quotePath=true", "--no-pager"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := firstLine(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, errors.New("git " + args[0] + ": " + msg)
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
