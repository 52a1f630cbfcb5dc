//go:build unix

package vault

import (
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tresor-dev/tresor/format"
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
	// O_NONBLOCK: a FIFO in an entry's place must not hang verify.
	fd, err := unix.Openat(r.fd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readRegularFD(fd, buf, format.MaxEntrySize)
}

// readRegularFD reads the open file fd to its end into *buf, refusing
// anything but a regular file (errNotRegular). A buffer too small for the
// file is replaced by one that holds it and a byte more, so the whole file
// comes in one read(2) whose short count is its end.
func readRegularFD(fd int, buf *[]byte, limit int) ([]byte, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, errNotRegular
	}
	if st.Size < int64(limit) && int64(cap(*buf)) <= st.Size {
		*buf = make([]byte, 0, st.Size+1)
	}
	return readFD(fd, buf, limit)
}

// readFD reads an open file to its end into *buf (see readAll).
func readFD(fd int, buf *[]byte, limit int) ([]byte, error) {
	return readAll(&fdReader{fd: fd}, buf, limit)
}

// fdReader reads a regular file with read(2). A short read of a regular
// file is its end, which saves the read that would return 0.
type fdReader struct {
	fd  int
	eof bool
}

func (r *fdReader) Read(p []byte) (int, error) {
	if r.eof {
		return 0, io.EOF
	}
	for {
		n, err := unix.Read(r.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n < len(p) {
			r.eof = true
		}
		return n, nil
	}
}
