package vault

import (
	"errors"
	"io/fs"
	"syscall"
)

// checkLocked runs fn, which only reads the vault (verify, doctor without
// repairs), under the vault's lock when this clone's state can be written,
// and without it on a read-only checkout (a read-only mount, another
// user's clone, a CI cache): reading needs no lock, and tresor records
// nothing there (no verified state, no pins), which it says once.
func (v *Vault) checkLocked(fn func() error) error {
	unlock, err := v.lock()
	switch {
	case err == nil:
		defer unlock()
	case isReadOnly(err):
		v.readOnly = true
		v.warn("this checkout is read-only: it is checked without the vault's lock, and nothing is recorded for the next run")
	default:
		return err
	}
	if err := v.loadPolicy(); err != nil {
		return err
	}
	defer v.saveState()
	return fn()
}

// isReadOnly reports whether err says the file system or its permissions
// refuse a write.
func isReadOnly(err error) bool {
	return errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)
}
