//go:build !unix

package vault

import "os"

const noFollow = 0

// openRegular opens a file for reading and refuses anything that is not a
// regular file. With a nil root, name is a path.
func openRegular(root *os.Root, name string) (*os.File, error) {
	if root == nil {
		return regularOnly(os.Open(name))
	}
	return regularOnly(root.Open(name))
}
