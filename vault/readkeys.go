package vault

import (
	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// Read keys (see crypto.ReadKey): the files one writer seals for one set of
// readers share a symmetric key, carried inside each file's envelope, so
// that reading many of them costs one asymmetric unwrap per key instead of
// one per file. The writer's own keys are per-clone state, sealed under its
// identity; the keys learned while reading live in memory for the run.

// writerKeysPath is where the identity's own read keys are kept.
func (v *Vault) writerKeysPath() string { return v.identityLocalPath("readkeys") }

// writerReadKey returns the read key this identity uses for files sealed
// to recipients, made and saved on first use; ok is false when none can be
// used (plugins, or an identity with no key material to seal the store).
// The caller holds the lock.
func (v *Vault) writerReadKey(recipients []string) (crypto.ReadKey, bool) {
	if v.identity == nil {
		return crypto.ReadKey{}, false
	}
	v.writerKeysMu.Lock()
	defer v.writerKeysMu.Unlock()
	if v.writerKeys == nil || v.writerKeysFor != v.identity {
		v.writerKeys, v.writerKeysFor = v.identity.NewWriterKeys(), v.identity
		if v.writerKeys == nil {
			return crypto.ReadKey{}, false
		}
		if b, err := v.readState(v.writerKeysPath(), 1<<20); err == nil {
			v.writerKeys.Load(b)
		}
	}
	rk, made, ok := v.writerKeys.For(recipients)
	if !ok {
		return crypto.ReadKey{}, false
	}
	if made {
		if err := v.writeState(v.writerKeysPath(), v.writerKeys.Seal()); err != nil {
			// Unsaved, the key would be made again next time, and the
			// files sealed with this one would not share it: skip it.
			return crypto.ReadKey{}, false
		}
	}
	return rk, true
}

// learnReadKey keeps the read key an opened envelope carries, for the files
// that follow. Any key is safe to learn: it only ever opens a file whose own
// header MAC then accepts the file key it yields.
func (v *Vault) learnReadKey(p format.Payload) {
	if p.ReadKeyID != "" && v.readKeys != nil {
		v.readKeys.Learn(p.ReadKeyID, p.ReadKey)
	}
}
