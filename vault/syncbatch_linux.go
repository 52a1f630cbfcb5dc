package vault

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// syncBatch makes durable every file and directory a batch of writes
// created or renamed (rels, vault-relative): on Linux one syncfs(2) of the
// vault's file system, which writes all of its dirty data and metadata,
// instead of an fsync per file and per directory (a re-encryption of
// 2,000 secrets would otherwise wait for 2,000 or more journal commits).
// Since Linux 5.8 syncfs reports write-back errors, as fsync does.
func (v *Vault) syncBatch(rels []string) error {
	if len(rels) == 0 {
		return nil
	}
	f, err := v.root.Open(".")
	if err != nil {
		return fmt.Errorf("syncing the vault: %w", unwrapPath(err))
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing the vault: %w", err)
	}
	return nil
}
