//go:build windows

package cmd

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// processAlive reports whether a process with this PID is running. One
// that cannot be opened for another reason than not existing counts as
// alive: a leftover stays rather than a live directory going.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return !errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return true
	}
	const stillActive = 259
	return code == stillActive
}

// ownedByMe: the temp directory on Windows is the user's own
// (%LOCALAPPDATA%\Temp), so what is in it is theirs.
func ownedByMe(fs.FileInfo) bool { return true }
