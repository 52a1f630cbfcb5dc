package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/tresor-dev/tresor/format"
)

// Vault-relative paths, always with '/'.
const (
	vaultFileName  = "vault.yaml"
	policyFileName = "policy.yaml"
	secretsDir     = "secrets"
	journalDir     = "journal"
	secretExt      = ".secret"
	tempMarker     = ".tmp-"
)

func secretPath(name string) string { return secretsDir + "/" + name + secretExt }

func osPath(rel string) string { return filepath.FromSlash(rel) }

// checkNoSymlinks refuses a path any component of which is a symlink. os.Root
// already keeps symlinks from leading outside the vault; tresor refuses them
// inside too, so that one file can never stand for two names.
func (v *Vault) checkNoSymlinks(rel string) error {
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		fi, err := v.root.Lstat(osPath(p))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, errors.Unwrap(err))
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return problemf(ErrVerify, "tresor writes no symlinks: replace it with the file it points to, or remove it",
				"%s is a symlink, which tresor refuses inside the vault", p)
		}
	}
	return nil
}

// readFile reads a vault file of at most limit bytes. A missing file is an
// error wrapping fs.ErrNotExist.
func (v *Vault) readFile(rel string, limit int64) ([]byte, error) {
	if err := v.checkNoSymlinks(rel); err != nil {
		return nil, err
	}
	f, err := openRegular(v.root, osPath(rel))
	if err != nil {
		return nil, notRegular(rel, fmt.Errorf("%s: %w", rel, unwrapPath(err)))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", rel, unwrapPath(err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", rel, limit)
	}
	return b, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (v *Vault) exists(rel string) (bool, error) {
	if err := v.checkNoSymlinks(rel); err != nil {
		return false, err
	}
	_, err := v.root.Lstat(osPath(rel))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// syncDir makes a rename or removal in dir durable.
func (v *Vault) syncDir(dir string) error {
	f, err := v.root.Open(osPath(dir))
	if err != nil {
		return unwrapPath(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && runtime.GOOS != "windows" {
		// Windows can't sync directories; renames are atomic there anyway.
		return fmt.Errorf("syncing %s: %w", dir, unwrapPath(err))
	}
	return nil
}

// removeEmptyParents removes the now empty directories above a removed
// secret, up to secrets/.
func (v *Vault) removeEmptyParents(rel string) {
	for dir := path.Dir(rel); dir != secretsDir && dir != "." && strings.HasPrefix(dir, secretsDir+"/"); dir = path.Dir(dir) {
		if v.root.Remove(osPath(dir)) != nil {
			return
		}
	}
}

func syncIf(sync bool, f *os.File) error {
	if !sync {
		return nil
	}
	return f.Sync()
}

// maxEntryRead bounds one read of a journal entry or secret file.
const maxEntryRead = format.MaxEntrySize

// readInto reads a whole file through r into *buf (grown as needed) and
// returns a copy the caller may keep.
func readInto(r *os.Root, name string, buf *[]byte, limit int) ([]byte, error) {
	f, err := openRegular(r, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readAll(f, buf, limit)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// readAll reads r to its end into *buf, growing it as needed up to
// limit, and returns the bytes, valid until *buf is reused.
func readAll(r io.Reader, buf *[]byte, limit int) ([]byte, error) {
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			if cap(b) >= limit {
				return nil, errors.New("file too large")
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF || n == 0 && err == nil {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	*buf = b
	return b, nil
}

// readChecked reads a vault file through os.Root after refusing symlinks on
// its path, and returns a copy.
func (v *Vault) readChecked(rel string, buf *[]byte) ([]byte, error) {
	if err := v.checkNoSymlinks(rel); err != nil {
		return nil, err
	}
	b, err := readInto(v.root, osPath(rel), buf, format.MaxSecretFileSize+1)
	return b, notRegular(rel, err)
}

// regularOnly passes on a file just opened only if it is a regular file.
func regularOnly(f *os.File, err error) (*os.File, error) {
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

// notRegular turns the refusal of a FIFO, device or directory in a vault
// file's place into a verification failure naming it; other errors pass.
func notRegular(rel string, err error) error {
	if errors.Is(err, errNotRegular) {
		return problemf(ErrVerify, "remove it and restore the file with git (git checkout -- "+DirName+"/"+rel+")",
			"%s is not a regular file (a FIFO, device or directory?); tresor never opens one", rel)
	}
	return err
}
