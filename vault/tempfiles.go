package vault

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
)

// tempFiles writes the temporary files of one write and renames them into
// place (commit's steps 1 and 4). Each directory is checked for symlinks,
// created and opened once, and its files are then created and renamed by
// name relative to it: a re-encryption of 2,000 secrets in one directory
// costs an open, a write and a rename per file instead of a walk from the
// vault's root for each.
type tempFiles struct {
	v    *Vault
	dirs map[string]*os.Root
}

func (v *Vault) newTempFiles() *tempFiles {
	return &tempFiles{v: v, dirs: map[string]*os.Root{}}
}

func (t *tempFiles) close() {
	for _, r := range t.dirs {
		r.Close()
	}
}

// dir returns the directory dir (vault-relative), made if missing.
func (t *tempFiles) dir(dir string) (*os.Root, error) {
	if r, ok := t.dirs[dir]; ok {
		return r, nil
	}
	if err := t.v.checkNoSymlinks(dir); err != nil {
		return nil, err
	}
	if err := t.v.root.MkdirAll(osPath(dir), 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, unwrapPath(err))
	}
	r, err := t.v.root.OpenRoot(osPath(dir))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", dir, unwrapPath(err))
	}
	t.dirs[dir] = r
	return r, nil
}

// write writes data to a new temporary file next to rel, synced when sync
// is set, and returns its vault-relative path. Temporary names start with
// '.', which no secret or entry name does.
func (t *tempFiles) write(rel string, data []byte, sync bool) (string, error) {
	dir := path.Dir(rel)
	d, err := t.dir(dir)
	if err != nil {
		return "", err
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	base := "." + path.Base(rel) + tempMarker + hex.EncodeToString(rnd[:])
	tmp := path.Join(dir, base)
	f, err := d.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("creating %s: %w", tmp, unwrapPath(err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		d.Remove(base)
		return "", fmt.Errorf("writing %s: %w", tmp, unwrapPath(err))
	}
	if err := syncIf(sync, f); err != nil {
		f.Close()
		d.Remove(base)
		return "", fmt.Errorf("syncing %s: %w", tmp, unwrapPath(err))
	}
	// Close, then rename: Windows doesn't rename open files.
	if err := f.Close(); err != nil {
		d.Remove(base)
		return "", fmt.Errorf("closing %s: %w", tmp, unwrapPath(err))
	}
	return tmp, nil
}

// rename moves the temporary file tmp over rel, in the same directory.
func (t *tempFiles) rename(tmp, rel string) error {
	dir := path.Dir(rel)
	if path.Dir(tmp) != dir {
		return fmt.Errorf("%s and %s are in different directories", tmp, rel)
	}
	d, err := t.dir(dir)
	if err != nil {
		return err
	}
	return d.Rename(path.Base(tmp), path.Base(rel))
}

// remove removes the temporary file tmp.
func (t *tempFiles) remove(tmp string) {
	if d, ok := t.dirs[path.Dir(tmp)]; ok {
		d.Remove(path.Base(tmp))
		return
	}
	t.v.root.Remove(osPath(tmp))
}

// writeTemp writes data to a new synced temporary file next to rel.
func (v *Vault) writeTemp(rel string, data []byte) (string, error) {
	t := v.newTempFiles()
	defer t.close()
	return t.write(rel, data, true)
}
