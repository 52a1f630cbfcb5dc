package vault

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
)

// The file key cache (see crypto.FileKeyCache) is per-clone state, one per
// identity.
func (v *Vault) fileKeyCachePath() string { return v.identityLocalPath("filekeys") }

// identityLocalPath names the per-clone state file of this kind for the
// current identity: <kind>-<16 hex digits of the recipient's hash>.
func (v *Vault) identityLocalPath(kind string) string {
	return kind + "-" + crypto.HashHex([]byte(v.identity.Recipient()))[:16]
}

// readState reads a per-clone state file; a missing one wraps
// fs.ErrNotExist.
func (v *Vault) readState(name string, limit int64) ([]byte, error) {
	st, err := v.state()
	if err != nil && v.readOnly && isReadOnly(err) {
		return nil, fmt.Errorf("%s: a read-only checkout keeps no state: %w", name, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	return st.read(name, limit)
}

// writeState atomically replaces a per-clone state file.
func (v *Vault) writeState(name string, data []byte) error {
	if v.readOnly {
		return nil
	}
	st, err := v.state()
	if err != nil {
		return err
	}
	return st.write(name, data)
}

// loadFileKeyCache returns the identity's cache, loaded from local/, or nil
// when the identity cannot have one.
func (v *Vault) loadFileKeyCache() *crypto.FileKeyCache {
	if v.identity == nil {
		return nil
	}
	c := v.identity.NewFileKeyCache()
	if c == nil {
		return nil
	}
	if b, err := v.readState(v.fileKeyCachePath(), 64<<20); err == nil {
		c.Load(b)
	}
	return c
}

// saveFileKeyCache keeps only the keys of current files and writes the
// cache back if it changed. Failing to write it costs speed, not
// correctness, so errors are ignored.
func (v *Vault) saveFileKeyCache(c *crypto.FileKeyCache, st *verifiedState) {
	if c == nil {
		return
	}
	current := make(map[[32]byte]bool, len(st.secrets))
	for _, h := range st.secrets {
		var sum [32]byte
		if b, err := hex.DecodeString(strings.TrimPrefix(h, "sha256:")); err == nil && len(b) == 32 {
			copy(sum[:], b)
			current[sum] = true
		}
	}
	c.Retain(func(h [32]byte) bool { return current[h] })
	if !c.Changed() {
		return
	}
	v.writeState(v.fileKeyCachePath(), c.Seal())
}
