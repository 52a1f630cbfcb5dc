package vault

import (
	"fmt"

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
// to recipients, made and saved on first use and again once it is older
// than crypto.MaxReadKeyAge; ok is false when none can be used (plugins, or
// an identity with no key material to seal the store). The caller holds
// the lock.
func (v *Vault) writerReadKey(recipients []string) (crypto.ReadKey, bool) {
	v.writerKeysMu.Lock()
	defer v.writerKeysMu.Unlock()
	w := v.loadWriterKeys()
	if w == nil {
		return crypto.ReadKey{}, false
	}
	rk, made, ok := w.For(recipients, v.timeNow())
	if !ok {
		return crypto.ReadKey{}, false
	}
	if made {
		if err := v.saveWriterKeys(); err != nil {
			// Unsaved, the key would be made again next time, and the
			// files sealed with this one would not share it: skip it.
			w.Retire(recipients)
			return crypto.ReadKey{}, false
		}
	}
	return rk, true
}

// renewReadKeys makes this identity's next writes to the readers of each
// name use a fresh read key: the keys it used for those reader sets are
// forgotten, on disk too, and no file sealed afterwards carries them.
// reencrypt --force calls it after a suspected leak, and rotate is meant
// to call it for the one secret it rotates (renewReadKeys([]string{name}))
// so the new value is not sealed under the key that may have leaked. Names
// no one may read are passed over (sealing them fails on its own). The
// caller holds the lock.
func (v *Vault) renewReadKeys(names []string) error {
	v.writerKeysMu.Lock()
	defer v.writerKeysMu.Unlock()
	w := v.loadWriterKeys()
	if w == nil {
		return nil
	}
	retired := false
	for _, name := range names {
		if _, recipients, err := v.readersFor(name); err == nil {
			retired = w.Retire(recipients) || retired
		}
	}
	if !retired {
		return nil
	}
	if err := v.saveWriterKeys(); err != nil {
		return fmt.Errorf("forgetting the old read keys: %w", err)
	}
	return nil
}

// loadWriterKeys returns this identity's read key store, read from this
// clone's state on first use; nil when there is none (no identity, or one with no key
// material to seal the store). The caller holds writerKeysMu.
func (v *Vault) loadWriterKeys() *crypto.WriterKeys {
	if v.identity == nil {
		return nil
	}
	if v.writerKeys == nil || v.writerKeysFor != v.identity {
		v.writerKeys, v.writerKeysFor = v.identity.NewWriterKeys(), v.identity
		if v.writerKeys == nil {
			return nil
		}
		if b, err := v.readState(v.writerKeysPath(), 1<<20); err == nil {
			v.writerKeys.Load(b)
		}
	}
	return v.writerKeys
}

// saveWriterKeys writes the store loadWriterKeys returned to this clone's
// state. The caller holds writerKeysMu.
func (v *Vault) saveWriterKeys() error {
	return v.writeState(v.writerKeysPath(), v.writerKeys.Seal())
}

// learnReadKey keeps the read key an opened envelope carries, for the files
// that follow. Any key is safe to learn: it only ever opens a file whose own
// header MAC then accepts the file key it yields.
func (v *Vault) learnReadKey(p format.Payload) {
	if p.ReadKeyID != "" && v.readKeys != nil {
		v.readKeys.Learn(p.ReadKeyID, p.ReadKey)
	}
}
