//go:build windows

package cmd

import (
	"errors"
	"os"
	"os/exec"
)

// canReplaceProcess: Windows has no execve; tresor exec always runs a child.
const canReplaceProcess = false

func replaceProcess(path string, args, env []string) error {
	return errors.New("replacing the process is not supported on Windows")
}

var forwardedSignals = []os.Signal{os.Interrupt}

func terminalSignal(s os.Signal) bool { return s == os.Interrupt }

func killedBy(ee *exec.ExitError) (int, bool) { return 0, false }

func ignoreBrokenPipe() {}
