//go:build windows

package vault

import "os/exec"

// currentOnFD3: Windows has no inherited descriptor 3; a rotator there
// reads the current value from its current-env variable.
const currentOnFD3 = false

func startInOwnGroup(cmd *exec.Cmd) {}

// killGroup kills the rotator (Windows: the process only).
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
