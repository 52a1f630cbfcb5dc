package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"runtime"
	"sync"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// opened is the outcome of reading and decrypting one secret file.
type opened struct {
	read   bool     // the file was read and parsed: sum and header are set
	sum    [32]byte // SHA-256 of the file as read
	header format.SecretHeader
	value  []byte
	err    error
}

// hash is the file's hash as the journal records it.
func (o opened) hash() string { return "sha256:" + hex.EncodeToString(o.sum[:]) }

// openMany reads and decrypts the named secrets in parallel, one worker per
// core (one for identities such as hardware tokens that answer one request
// at a time). With st, each file is checked against the verified journal
// before it is decrypted; without, the caller must check each result's
// hash before trusting it, and judge crypto.ErrNotRecipient.
func (v *Vault) openMany(names []string, cache *crypto.FileKeyCache, st *verifiedState) []opened {
	out := make([]opened, len(names))
	workers := min(runtime.GOMAXPROCS(0), len(names))
	if v.identity != nil && !v.identity.Parallel() {
		workers = min(1, len(names))
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 16<<10)
			files := v.newSecretReader()
			defer files.close()
			for i := w; i < len(names); i += workers {
				out[i] = v.openOne(files, names[i], &buf, cache, st)
			}
		}(w)
	}
	wg.Wait()
	return out
}

func (v *Vault) openOne(files *secretReader, name string, buf *[]byte, cache *crypto.FileKeyCache, st *verifiedState) opened {
	b, err := files.read(secretPath(name), buf)
	if errors.Is(err, fs.ErrNotExist) {
		return opened{err: problemf(ErrVerify, "restore it with git, or tresor doctor after a crash",
			"%s is missing, but the journal records it and no entry removed it", secretPath(name))}
	}
	if err != nil {
		return opened{err: err}
	}
	sf, err := parseSecretFileOf(name, b)
	if err != nil {
		return opened{err: err}
	}
	o := opened{read: true, sum: sha256.Sum256(b), header: sf.Header}
	if st == nil {
		// Before verification: nothing may be judged against the policy
		// yet (openVerified does that).
		o.value, o.err = v.decryptSecret(sf, o.sum, cache)
		return o
	}
	if o.err = st.checkFileHash(name, o.hash()); o.err != nil {
		return o
	}
	o.value, o.err = v.openCached(sf, o.sum, cache)
	return o
}
