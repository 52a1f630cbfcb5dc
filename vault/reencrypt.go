package vault

import (
	"errors"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A Skipped secret could not be re-encrypted, and why.
type Skipped struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// ReencryptResult says what a re-encryption did.
type ReencryptResult struct {
	Changed   []string  `json:"changed"`
	Unchanged int       `json:"unchanged"`
	Skipped   []Skipped `json:"skipped"`
}

// Reencrypt makes the readers of every secret under prefix equal to what
// the policy says, re-encrypting only the secrets whose readers differ (all
// of them with force, e.g. after a member's key changed). The current member
// must be a reader of each such secret, and a writer of it or an admin; the
// others are reported as skipped. All changes are one journal entry.
// progress, when not nil, is called after each secret.
//
// With force, the read keys this identity used for the readers of those
// secrets are retired first (renewReadKeys), so every file re-encrypted is
// sealed under a fresh key: reencrypt --force is what to run when a read
// key may have leaked (docs/security.md, "Read keys").
func (v *Vault) Reencrypt(prefix string, force bool, progress func(done, total int)) (*ReencryptResult, error) {
	if err := format.ValidatePrefix(prefix); err != nil {
		return nil, problemf(nil, "", "prefix: %v", err)
	}
	res := &ReencryptResult{Changed: []string{}, Skipped: []Skipped{}}
	err := v.writeLocked(func(st *verifiedState) error {
		actor, err := v.signer()
		if err != nil {
			return err
		}
		// The journal's secrets, not the directory's files: a file a push
		// dropped into secrets/ is never re-encrypted into the vault.
		var names []string
		for n := range st.secrets {
			if format.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		if force {
			if err := v.renewReadKeys(names); err != nil {
				return err
			}
		}
		files, reasons, err := v.reencryptAll(names, st, actor, force, progress)
		if err != nil {
			return err
		}
		var changes []fileChange
		hashes := map[string]string{}
		for i, n := range names {
			switch {
			case reasons[i] != "":
				res.Skipped = append(res.Skipped, Skipped{Name: n, Reason: reasons[i]})
			case files[i] == nil:
				res.Unchanged++
			default:
				res.Changed = append(res.Changed, n)
				changes = append(changes, fileChange{Rel: secretPath(n), Data: files[i]})
				hashes[n] = crypto.FileHash(files[i])
			}
		}
		if len(changes) == 0 {
			return nil
		}
		_, err = v.commit(actor, change{
			Entry: format.Entry{Action: format.ActionReencrypt, Target: prefix, Details: &format.Details{Files: hashes}},
			Files: changes,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// reencryptAll re-encrypts names on every core: the new file of each (nil
// when it needs no change) or the reason it was skipped.
func (v *Vault) reencryptAll(names []string, st *verifiedState, actor string, force bool, progress func(done, total int)) (files [][]byte, reasons []string, err error) {
	isAdmin := v.Policy.IsAdmin(actor)
	files = make([][]byte, len(names))
	reasons = make([]string, len(names))
	var firstErr error
	var mu sync.Mutex
	done := 0
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				file, reason, err := v.reencryptOne(names[i], st, actor, isAdmin, force)
				mu.Lock()
				files[i], reasons[i] = file, reason
				if err != nil && firstErr == nil {
					firstErr = err
				}
				done++
				if progress != nil {
					progress(done, len(names))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range names {
		work <- i
	}
	close(work)
	wg.Wait()
	return files, reasons, firstErr
}

// reencryptOne returns the new file of name, nil when it needs no change, or
// a reason it was skipped. Only failures that are not about this one secret
// are returned as errors.
func (v *Vault) reencryptOne(name string, st *verifiedState, actor string, isAdmin, force bool) (file []byte, reason string, err error) {
	sf, err := v.readCheckedSecret(name, st)
	if err != nil {
		// A file that fails its journal check stops the whole batch:
		// re-encrypting around tampering would hide it.
		return nil, "", err
	}
	want := v.Policy.ReadersOf(name)
	if !force && slices.Equal(want, []string(sf.Header.Readers)) {
		return nil, "", nil
	}
	if !isAdmin && !slices.Contains(v.Policy.WritersOf(name), actor) {
		return nil, "you are neither a writer of it nor an admin", nil
	}
	vals, err := v.openPayload(sf)
	if errors.Is(err, ErrNoAccess) {
		return nil, "you are not a reader of it (readers: " + joinOrNone(sf.Header.Readers) + ")", nil
	}
	if err != nil {
		return nil, "", err
	}
	h := newHeader(name, sf, v.timeNow())
	markLostReaders(&h, sf.Header.Readers, want, v.Policy, v.timeNow())
	file, err = v.sealPayload(&h, vals)
	if err != nil {
		return nil, err.Error(), nil
	}
	return file, "", nil
}
