package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// readUserFile reads a file the user named on the command line (what says
// which: "policy file", "--env-file"), at most limit bytes, "-" meaning
// stdin (when t is given). Every failure names the file and says what to do about it: a
// directory, a file too large, a socket or a device no one writes to, one
// the user may not read. FIFOs are read: `<(command)` is one.
func readUserFile(t *terminal, path, what string, limit int64) ([]byte, error) {
	if path == "-" && t != nil {
		b, err := io.ReadAll(io.LimitReader(t.stdin, limit+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s from stdin: %w", what, err)
		}
		if int64(len(b)) > limit {
			return nil, hintedf("", "%s on stdin is larger than %s", what, sizeName(limit))
		}
		return b, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, what, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileError(path, what, err)
	}
	switch {
	case fi.IsDir():
		return nil, hintedf("give the path of a file in it", "%s %s is a directory", what, path)
	case fi.Mode().IsRegular() && fi.Size() > limit:
		return nil, hintedf("check that it is the right file", "%s %s is larger than %s", what, path, sizeName(limit))
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fileError(path, what, err)
	}
	if int64(len(b)) > limit {
		return nil, hintedf("check that it is the right file", "%s %s is larger than %s", what, path, sizeName(limit))
	}
	return b, nil
}

// fileError names path in a failure to open or read it, with what to do.
func fileError(path, what string, err error) error {
	cause := unwrapPathErr(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return hintedf("check the path (relative paths start from the current directory)", "%s %s does not exist", what, path)
	case errors.Is(err, fs.ErrPermission):
		return hintedf("check its permissions and owner (ls -l "+path+")", "%s %s cannot be read: permission denied", what, path)
	case errors.Is(err, syscall.EISDIR):
		return hintedf("give the path of a file in it", "%s %s is a directory", what, path)
	case errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.EOPNOTSUPP):
		return hintedf("give a regular file, or - to read stdin", "%s %s is a socket or a device that cannot be read", what, path)
	case errors.Is(err, syscall.EFBIG):
		return hintedf("check that it is the right file", "%s %s is too large", what, path)
	}
	return hintedf("", "reading %s %s: %v", what, path, cause)
}

// sizeName writes a byte limit as people do: 16 MiB, 64 KiB.
func sizeName(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
