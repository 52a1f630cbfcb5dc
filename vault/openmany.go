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
	passed bool     // not decrypted: its header names none of this identity's members
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
// hash before trusting it, and judge crypto.ErrNotRecipient and passed
// files. Files whose header names none of mine (the members this identity
// is) are passed over, not decrypted: an identity without a stanza in a
// file learns that only after one unwrap per stanza, which for
// post-quantum readers (ML-KEM rejects implicitly) is a full decapsulation
// each, and most of a team member's cost when they read a fraction of the
// vault.
func (v *Vault) openMany(names []string, cache *crypto.FileKeyCache, st *verifiedState, view readerView) []opened {
	out := make([]opened, len(names))
	workers := min(runtime.GOMAXPROCS(0), len(names))
	if v.identity != nil && !v.identity.Parallel() {
		workers = min(1, len(names))
	}
	v.readEach(len(names), workers, func(files *secretReader, buf *[]byte, i int) {
		out[i] = v.openOne(files, names[i], buf, cache, st, view)
	})
	return out
}

// readEach calls fn for 0 ≤ i < n on workers goroutines, each with its own
// secret reader and read buffer: how tresor reads many secret files at the
// cost of reading their bytes.
func (v *Vault) readEach(n, workers int, fn func(files *secretReader, buf *[]byte, i int)) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 16<<10)
			files := v.newSecretReader()
			defer files.close()
			for i := w; i < n; i += workers {
				fn(files, &buf, i)
			}
		}(w)
	}
	wg.Wait()
}

func (v *Vault) openOne(files *secretReader, name string, buf *[]byte, cache *crypto.FileKeyCache, st *verifiedState, view readerView) opened {
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
	o.passed = view.mine != nil && !namesOneOf(sf.Header.Readers, view.mine)
	if st == nil {
		// Verification takes this file's hash from here instead of reading
		// it again, so it must check what verification checks of a file:
		// its stanzas. A file that fails is left for verification to read
		// and report.
		if checkStanzas(name, sf, view.policy) != nil {
			return opened{}
		}
		if o.passed {
			return o
		}
		// Before verification: nothing may be judged against the policy
		// yet (openVerified does that).
		o.value, o.err = v.decryptSecret(sf, o.sum, cache)
		return o
	}
	if o.err = st.checkFileHash(name, o.hash()); o.err != nil {
		return o
	}
	o.value, o.err = v.openCached(sf, o.sum, cache) // passes over it too
	return o
}

// A readerView is what opening files in parallel needs of the policy,
// taken before they start: verification may reload the policy meanwhile.
type readerView struct {
	mine   map[string]bool // this identity's members (see myMembers)
	policy *format.Policy
}

func (v *Vault) readerView() readerView { return readerView{mine: v.myMembers(), policy: v.Policy} }

// myMembers returns the names of the members whose recipient is this
// identity's, under the policy as loaded now; nil when that cannot be told
// (a plugin identity whose file does not say its recipient).
func (v *Vault) myMembers() map[string]bool {
	if v.identity == nil || v.identity.Recipient() == "" || v.Policy == nil {
		return nil
	}
	mine := map[string]bool{}
	for name, m := range v.Policy.Members {
		if m.Recipient == v.identity.Recipient() {
			mine[name] = true
		}
	}
	return mine
}
