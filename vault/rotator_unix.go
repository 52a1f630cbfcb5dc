//go:build !windows

package vault

import (
	"os/exec"
	"syscall"
)

// currentOnFD3: the rotator gets the current value on file descriptor 3.
const currentOnFD3 = true

// startInOwnGroup makes the rotator the leader of a new process group, so
// that a timeout kills everything it started, not only itself.
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the rotator's process group.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
