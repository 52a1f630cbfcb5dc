//go:build unix

package vault

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// An entryReader reads journal entry files by name. Verify reads every
// entry, so on Unix it opens them with openat(2) relative to the journal
// directory, reads them with one read(2) and closes them: three system
// calls, where an *os.File costs twice that (non-blocking setup, poller
// registration). Names reach it only after format.ParseEntryFileName
// accepted them (no '/', no '..'), and O_NOFOLLOW refuses symlinks, so no
// path leaves the journal directory.
type entryReader struct {
	dir *os.File
	fd  int
}

func newEntryReader(jr *os.Root) (*entryReader, error) {
	dir, err := jr.Open(".")
	if err != nil {
		return nil, err
	}
	return &entryReader{dir: dir, fd: int(dir.Fd())}, nil
}

func (r *entryReader) close() { r.dir.Close() }

// read returns the file's content in *buf (grown as needed); the caller
// copies what it keeps. A short read of a regular file is its end.
func (r *entryReader) read(name string, buf *[]byte) ([]byte, error) {
	fd, err := unix.Openat(r.fd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readFD(fd, buf)
}

// readFD reads an open file to its end into *buf (grown as needed) and
// returns the bytes, which stay valid until *buf is reused. A short read of
// a regular file is its end.
func readFD(fd int, buf *[]byte) ([]byte, error) {
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			if cap(b) >= maxEntryRead {
				return nil, errors.New("file too large")
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := unix.Read(fd, b[len(b):cap(b)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		short := len(b)+n < cap(b)
		b = b[:len(b)+n]
		if n == 0 || short {
			break
		}
	}
	*buf = b
	return b, nil
}
