//go:build unix

package cmd

import (
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// canReplaceProcess: Unix can execve, so plain tresor exec gets out of the way.
const canReplaceProcess = true

func replaceProcess(path string, args, env []string) error {
	return withUserCoreLimit(func() error { return syscall.Exec(path, args, env) })
}

// forwardedSignals are passed on to a child tresor exec runs.
var forwardedSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, os.Interrupt, syscall.SIGQUIT}

// terminalSignal reports whether a terminal sends s to the whole foreground
// process group (Ctrl-C, Ctrl-\).
func terminalSignal(s os.Signal) bool { return s == os.Interrupt || s == syscall.SIGQUIT }

// killedBy returns the signal number that ended the child, if one did.
func killedBy(ee *exec.ExitError) (int, bool) {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return int(ws.Signal()), true
}

// ignoreBrokenPipe keeps SIGPIPE from killing tresor (Go's default for a
// broken stdout) without ignoring it: an ignored signal would stay ignored
// in the child after exec, and a child writing to a closed pipe must still
// die of SIGPIPE as it would without tresor.
func ignoreBrokenPipe() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) }
