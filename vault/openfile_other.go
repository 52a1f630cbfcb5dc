//go:build !unix

package vault

import (
	"fmt"
	"os"
)

const noFollow = 0

// openRegular opens a file for reading and refuses anything that is not a
// regular file. With a nil root, name is a path.
func openRegular(root *os.Root, name string) (*os.File, error) {
	var f *os.File
	var err error
	if root == nil {
		f, err = os.Open(name)
	} else {
		f, err = root.Open(name)
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", errNotRegular, fi.Mode().Type())
	}
	return f, nil
}
