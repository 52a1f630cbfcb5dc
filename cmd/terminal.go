package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// A terminal is where a command talks to its user: the standard streams,
// whether they are terminals, and whether colour is wanted.
type terminal struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinFd        int
	stdinTTY       bool
	stdoutTTY      bool
	stderrTTY      bool
	color          bool // on stderr
	colorOut       bool // on stdout (status's table)
}

func newTerminal() *terminal {
	t := &terminal{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stdinFd: int(os.Stdin.Fd())}
	t.stdinTTY = term.IsTerminal(int(os.Stdin.Fd()))
	t.stdoutTTY = term.IsTerminal(int(os.Stdout.Fd()))
	t.stderrTTY = term.IsTerminal(int(os.Stderr.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	t.color = t.stderrTTY && !noColor && os.Getenv("TERM") != "dumb"
	t.colorOut = t.stdoutTTY && !noColor && os.Getenv("TERM") != "dumb"
	return t
}

type color string

const (
	red    color = "\x1b[31m"
	yellow color = "\x1b[33m"
	bold   color = "\x1b[1m"
)

func (t *terminal) paint(c color, s string) string {
	if !t.color {
		return s
	}
	return string(c) + s + "\x1b[0m"
}

// errNoTerminal is returned instead of prompting when stdin is not a terminal.
var errNoTerminal = errors.New("stdin is not a terminal, so tresor cannot prompt")

// readSecret prompts without echo on the terminal. It never prompts when
// stdin is not a terminal.
func (t *terminal) readSecret(prompt string) ([]byte, error) {
	if !t.stdinTTY {
		return nil, errNoTerminal
	}
	fmt.Fprint(t.stderr, prompt)
	b, err := term.ReadPassword(t.stdinFd)
	fmt.Fprintln(t.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading from the terminal: %w", err)
	}
	return b, nil
}

// readValue reads a secret value: from a no-echo prompt with confirmation
// on a terminal, else all of stdin (at most limit bytes).
func (t *terminal) readValue(name string, limit int) ([]byte, error) {
	if t.stdinTTY {
		v, err := t.readSecret("value for " + name + ": ")
		if err != nil {
			return nil, err
		}
		again, err := t.readSecret("again: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(v, again) {
			return nil, usagef("type the same value twice", "the two values differ")
		}
		return v, nil
	}
	b, err := io.ReadAll(io.LimitReader(t.stdin, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return b, nil
}

// passphrase returns a prompt for passphrase-protected identities, or nil
// when stdin is not a terminal so that parsing fails with a clear message.
func (t *terminal) passphrase(what string) func() ([]byte, error) {
	if !t.stdinTTY {
		return nil
	}
	return func() ([]byte, error) { return t.readSecret("passphrase for " + what + ": ") }
}

// progress returns a callback that shows "label n/total" on stderr, on one
// line rewritten in place, when stderr is a terminal and the work has taken
// more than progressDelay; and nil (silence) when stderr is not a terminal.
// The line is cleared when the work is done.
func (t *terminal) progress(label string) func(done, total int) {
	if !t.stderrTTY {
		return nil
	}
	start, shown := time.Now(), false
	return func(done, total int) {
		if done >= total {
			if shown {
				fmt.Fprint(t.stderr, "\r\x1b[K")
			}
			return
		}
		if !shown && time.Since(start) < progressDelay {
			return
		}
		shown = true
		fmt.Fprintf(t.stderr, "\r%s %d/%d", label, done, total)
	}
}

// progressDelay is how long work runs before it shows progress: shorter
// work would only flicker. The test-only TRESOR_TEST_PROGRESS_DELAY sets it.
var progressDelay = testProgressDelay(time.Second)

func testProgressDelay(d time.Duration) time.Duration {
	if s := os.Getenv("TRESOR_TEST_PROGRESS_DELAY"); s != "" {
		if t, err := time.ParseDuration(s); err == nil {
			return t
		}
	}
	return d
}

// note prints a one-line remark on stderr.
func (t *terminal) note(format string, args ...any) {
	fmt.Fprintf(t.stderr, "tresor: %s\n", safeText(fmt.Sprintf(format, args...)))
}
