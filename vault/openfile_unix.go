//go:build unix

package vault

import (
	"os"

	"golang.org/x/sys/unix"
)

// noFollow makes an open fail on a symlink in the last path component.
const noFollow = unix.O_NOFOLLOW

// openRegular opens a file for reading without blocking on a FIFO or a
// device that git or a hostile checkout put in a file's place, and refuses
// anything that is not a regular file. With a nil root, name is a path.
func openRegular(root *os.Root, name string) (*os.File, error) {
	flag := os.O_RDONLY | unix.O_NONBLOCK | unix.O_NOFOLLOW
	if root == nil {
		return regularOnly(os.OpenFile(name, flag, 0))
	}
	return regularOnly(root.OpenFile(name, flag, 0))
}
