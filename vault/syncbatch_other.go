//go:build !linux

package vault

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// syncBatch makes durable every file and directory a batch of writes
// created or renamed (rels, vault-relative): one fsync each where there is
// no syncfs (on Linux, syncbatch_linux.go syncs the file system once).
func (v *Vault) syncBatch(rels []string) error {
	for _, rel := range rels {
		f, err := v.root.Open(osPath(rel))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("syncing %s: %w", rel, unwrapPath(err))
		}
		err = f.Sync()
		f.Close()
		if err != nil && runtime.GOOS != "windows" {
			// Windows can't sync directories; renames are atomic there anyway.
			return fmt.Errorf("syncing %s: %w", rel, unwrapPath(err))
		}
	}
	return nil
}
