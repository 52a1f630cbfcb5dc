//go:build linux

package vault

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tresor-dev/tresor/format"
)

// A secretReader reads secret files by vault-relative path. exec and
// verify read every selected secret file; on Linux they are opened with one
// openat2(2) relative to the vault directory, resolved beneath it with no
// symlinks anywhere on the path (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), and
// read with read(2): no *os.File, no descent component by component. Where
// openat2 is missing (kernels before 5.6) it falls back to readChecked.
type secretReader struct {
	v  *Vault
	fd int
}

func (v *Vault) newSecretReader() *secretReader {
	r := &secretReader{v: v, fd: -1}
	if dir := v.vaultDir(); dir != nil {
		r.fd = int(dir.Fd())
	}
	return r
}

// vaultDir is the vault directory, opened once per Vault (nil if it cannot
// be); Close closes it.
func (v *Vault) vaultDir() *os.File {
	v.dirOnce.Do(func() {
		if dir, err := v.root.Open("."); err == nil {
			v.dirFile = dir
		}
	})
	return v.dirFile
}

func (r *secretReader) close() {}

// read returns a copy of the file at rel (vault-relative, '/'-separated).
func (r *secretReader) read(rel string, buf *[]byte) ([]byte, error) {
	if r.fd < 0 {
		return r.v.readChecked(rel, buf)
	}
	fd, err := unix.Openat2(r.fd, rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
	})
	switch {
	case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM):
		r.fd = -1 // no openat2 here (or a seccomp filter refuses it)
		return r.v.readChecked(rel, buf)
	case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV):
		// A symlink on the path: name the component that is one.
		if err := r.v.checkNoSymlinks(rel); err != nil {
			return nil, err
		}
		return nil, problemf(ErrVerify, "tresor writes no symlinks: replace it with the file it points to, or remove it",
			"%s lies under a symlink, which tresor refuses inside the vault", rel)
	case errors.Is(err, unix.ENOENT):
		return nil, os.ErrNotExist
	case err != nil:
		return nil, err
	}
	defer unix.Close(fd)
	b, err := readRegularFD(fd, buf, format.MaxSecretFileSize+1)
	if err != nil {
		return nil, notRegular(rel, err)
	}
	return append([]byte(nil), b...), nil
}
