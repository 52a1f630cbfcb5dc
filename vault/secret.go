package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// SetOptions are the optional header fields of a write. A nil field keeps
// what the secret had.
type SetOptions struct {
	Env         *string
	Description *string
	Rotation    RotationOptions // meta.go
}

// A Secret is a secret's header as listed, without its value.
type Secret = format.SecretHeader

// Set writes value as the new version of the secret name, encrypted to the
// readers the policy gives it, and records the write in the journal. The
// current member must be a writer of name; they need not be a reader.
func (v *Vault) Set(name string, value []byte, opts SetOptions) (*Secret, error) {
	if err := format.ValidateName(name); err != nil {
		return nil, problemf(nil, "names are paths like prod/db/password: letters, digits, '_', '.', '-', separated by '/'", "%v", err)
	}
	if len(value) == 0 {
		return nil, problemf(nil, "pipe the value on stdin, or use --generate", "the value is empty")
	}
	if len(value) > format.MaxValueSize {
		return nil, problemf(nil, "store large files elsewhere and keep their key in tresor", "the value is larger than 1 MiB")
	}
	var out *Secret
	var note string
	err := v.writeLocked(func(st *verifiedState) error {
		actor, err := v.writerOf(name)
		if err != nil {
			return err
		}
		old, err := v.readRecordedSecret(name, st)
		if err != nil {
			return err
		}
		if old == nil {
			// Also when a file of this name exists: on a file system that
			// folds case, an existing Prod/Key is the file of prod/key.
			if err := v.checkCaseCollision(name, st); err != nil {
				return err
			}
			if there, err := v.exists(secretPath(name)); err != nil {
				return err
			} else if there {
				return problemf(ErrVerify, "remove it (tresor verify lists what the journal does not record), then set the secret",
					"%s exists, but no journal entry records it", secretPath(name))
			}
		}
		h := newHeader(name, old, v.timeNow())
		if opts.Env != nil {
			h.Env = *opts.Env
		}
		if opts.Description != nil {
			h.Description = *opts.Description
		}
		if note, err = v.setRotation(&h, old, opts.Rotation); err != nil { // meta.go
			return err
		}
		if err := v.checkEnvClaim(EnvClaim{Secret: name, Env: h.Env}, st, ""); err != nil {
			return err
		}
		file, err := v.seal(&h, value)
		if err != nil {
			return err
		}
		if _, err := v.commit(actor, secretChange(format.ActionSet, file, h, "")); err != nil {
			return err
		}
		out = &h
		return nil
	})
	if err == nil {
		v.warnNote(note)
	}
	return out, err
}

// newHeader is the header of the next version after old (nil for a new
// secret). seal fills in the readers.
func newHeader(name string, old *format.SecretFile, now time.Time) format.SecretHeader {
	h := format.SecretHeader{Name: name, Version: 1, Created: now, Updated: now}
	if old != nil {
		h.Env, h.Description, h.Rotation = old.Header.Env, old.Header.Description, old.Header.Rotation
		h.Version = old.Header.Version + 1
		h.Created = old.Header.Created
	}
	return h
}

// seal encrypts value under header h to the readers the policy gives h.Name,
// binding the header, and returns the file bytes. It sets h.Readers.
func (v *Vault) seal(h *format.SecretHeader, value []byte) ([]byte, error) {
	return v.sealPayload(h, format.Payload{Value: value})
}

// sealPayload is seal for a value with the previous and pending values a
// rotation keeps beside it (vals.Value, vals.Previous, vals.Pending; its
// other fields are ignored).
func (v *Vault) sealPayload(h *format.SecretHeader, vals format.Payload) ([]byte, error) {
	if len(vals.Value)+len(vals.Previous)+len(vals.Pending) > format.MaxValueSize {
		return nil, problemf(nil, "", "%s: the value with its previous and pending values is larger than 1 MiB", h.Name)
	}
	readers, recipients, err := v.readersFor(h.Name)
	if err != nil {
		return nil, err
	}
	h.Readers = format.Names(readers)
	sf, err := format.NewSecretFile(*h)
	if err != nil {
		return nil, err
	}
	payload := format.Payload{HeaderSHA256: crypto.HashHex(sf.HeaderBytes), Value: vals.Value, Previous: vals.Previous, Pending: vals.Pending}
	var armored []byte
	if rk, ok := v.writerReadKey(recipients); ok {
		payload.ReadKeyID, payload.ReadKey = rk.ID, rk.Key
		armored, err = v.sealer.EncryptWithReadKey(recipients, payload.Marshal(), rk)
	} else {
		armored, err = v.sealer.Encrypt(recipients, payload.Marshal())
	}
	if err != nil {
		return nil, fmt.Errorf("encrypting %s: %w", h.Name, err)
	}
	sf.Armored = armored
	return sf.Marshal(), nil
}

// CheckWritable checks, before a batch of writes, that the current member
// may write every name and that the policy gives each readers who can share
// one file, so that a refusal comes before the first write, not halfway.
func (v *Vault) CheckWritable(names []string) error {
	for _, name := range names {
		if _, err := v.writerOf(name); err != nil {
			return err
		}
		if _, _, err := v.readersFor(name); err != nil {
			return err
		}
	}
	return v.checkNoRotationInProgress(names) // meta.go
}

// readersFor returns the members the policy gives name and their
// recipients, refusing a name no one could read and readers that mix
// post-quantum and classic keys.
func (v *Vault) readersFor(name string) (readers, recipients []string, err error) {
	readers = v.Policy.ReadersOf(name)
	if len(readers) == 0 {
		return nil, nil, problemf(ErrDenied, "add a rule that gives someone read access: tresor policy check",
			"no policy rule gives anyone read access to %s", name)
	}
	byMember := map[string]string{}
	for _, r := range readers {
		recipients = append(recipients, v.Policy.Members[r].Recipient)
		byMember[r] = v.Policy.Members[r].Recipient
	}
	if err := crypto.CheckMix(readers, byMember); err != nil {
		return nil, nil, wrapProblem(nil, err, "give post-quantum and classic members separate rules (tresor policy check)", "cannot encrypt %s", name)
	}
	return readers, recipients, nil
}

// writerOf returns the current member if they may write name.
func (v *Vault) writerOf(name string) (string, error) {
	actor, err := v.signer()
	if err != nil {
		return "", err
	}
	if !slices.Contains(v.Policy.WritersOf(name), actor) {
		return "", problemf(ErrDenied, "ask an admin for write access (tresor policy show lists the writers)",
			"member %s may not write %s", actor, name)
	}
	return actor, nil
}

// readSecretFile reads and parses the file of secret name. A missing secret
// is an error wrapping fs.ErrNotExist and ErrNotFound.
func (v *Vault) readSecretFile(name string) (*format.SecretFile, error) {
	files := v.newSecretReader()
	defer files.close()
	var buf []byte
	b, err := files.read(secretPath(name), &buf)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &Problem{class: ErrNotFound, msg: "no secret named " + name, hint: "tresor ls lists the secrets", cause: fs.ErrNotExist}
	}
	if err != nil {
		return nil, err
	}
	return parseSecretFileOf(name, b)
}

// parseSecretFileOf parses the bytes of secret name's file and checks that
// the header names it.
func parseSecretFileOf(name string, b []byte) (*format.SecretFile, error) {
	sf, err := format.ParseSecret(b)
	if err != nil {
		return nil, wrapProblem(ErrVerify, err, "restore it with git, or run tresor verify", "secret %s", name)
	}
	if sf.Header.Name != name {
		return nil, problemf(ErrVerify, "files are not renamed by hand; use tresor mv, or restore it with git",
			"secret file %s says it is %s: it was moved or swapped", secretPath(name), sf.Header.Name)
	}
	return sf, nil
}

// checkCaseCollision refuses a new name that differs from an existing one
// only by case: macOS and Windows file systems would make them one file.
// The names are the journal's (the verified state), which are the files on
// disk whenever a write may go ahead: listing secrets/ would cost a stat
// per file (os.Root's ReadDir), and make importing many secrets quadratic.
func (v *Vault) checkCaseCollision(name string, st *verifiedState) error {
	names := slices.Concat(slices.Collect(maps.Keys(st.secrets)), st.conflicts)
	slices.Sort(names) // the first collision named is always the same one
	folded := format.FoldName(name)
	for _, n := range names {
		if n != name && format.FoldName(n) == folded {
			return problemf(nil, "use the existing name, or one that differs by more than case",
				"%s differs from the existing secret %s only by case", name, n)
		}
	}
	return nil
}

// Get decrypts the secret name and returns its value and header.
func (v *Vault) Get(name string) ([]byte, *Secret, error) {
	p, h, err := v.getPayload(name)
	if err != nil {
		return nil, nil, err
	}
	return p.Value, h, nil
}

// getPayload is Get returning the whole envelope (the value and the
// previous and pending values beside it): every check a read makes, and
// the access logged.
func (v *Vault) getPayload(name string) (format.Payload, *Secret, error) {
	if err := format.ValidateName(name); err != nil {
		return format.Payload{}, nil, problemf(nil, "", "%v", err)
	}
	st, err := v.verifiedForRead(name)
	if err != nil {
		return format.Payload{}, nil, err
	}
	if _, recorded := st.secrets[name]; !recorded && st.conflictOf(name) == nil {
		switch there, err := v.exists(secretPath(name)); {
		case err != nil:
			return format.Payload{}, nil, err // a symlink on the way, named
		case there:
			return format.Payload{}, nil, st.checkFileHash(name, "") // "no journal entry records secret …"
		}
		return format.Payload{}, nil, noSuchSecret(name, st)
	}
	sf, err := v.readSecretFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && st.conflictOf(name) != nil {
		// git's conflict markers (a merge without tresor's driver) may break
		// the header: the conflict, not the parser, says what to do.
		return format.Payload{}, nil, st.checkFileHash(name, "")
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, recorded := st.secrets[name]; recorded {
			return format.Payload{}, nil, problemf(ErrVerify, "restore it with git (git checkout -- "+DirName+"/"+secretPath(name)+"), or tresor doctor after a crash",
				"%s is missing, but the journal records it and no entry removed it", secretPath(name))
		}
	}
	if err != nil {
		return format.Payload{}, nil, err
	}
	if err := st.checkFile(name, sf.Marshal()); err != nil {
		return format.Payload{}, nil, err
	}
	p, err := v.openPayload(sf)
	if err != nil {
		return format.Payload{}, nil, err
	}
	if err := v.warnIfExpired(sf.Header); err != nil { // expiry.go
		return format.Payload{}, nil, err
	}
	v.logAccess("get", []string{name})
	return p, &sf.Header, nil
}

// verifiedForRead returns the verified state for reads: from local/ without
// taking the lock when the journal has not changed, else verified under it.
// A read of named secrets also needs their latest entries unchanged.
func (v *Vault) verifiedForRead(names ...string) (*verifiedState, error) {
	return v.verifiedForReadWith(VerifyOptions{deps: names})
}

// verifiedForReadWith is verifiedForRead with options for the verification
// it may run.
func (v *Vault) verifiedForReadWith(opts VerifyOptions) (*verifiedState, error) {
	if st := v.freshVerifiedState(opts.deps...); st != nil {
		return st, nil
	}
	var st *verifiedState
	err := v.checkLocked(func() error {
		var err error
		st, err = v.verifiedWith(opts)
		return err
	})
	return st, err
}

// open decrypts a parsed secret file and checks its envelope.
func (v *Vault) open(sf *format.SecretFile) ([]byte, error) {
	return v.openCached(sf, [32]byte{}, nil)
}

// openCached is open with a file key cache; fileSHA is the SHA-256 of the
// whole file, under which its key is cached.
//
// A file whose (signed) header does not name this identity's member is not
// decrypted: trying costs an unwrap per stanza, a full ML-KEM decapsulation
// each for post-quantum readers, only to learn what the header says.
func (v *Vault) openCached(sf *format.SecretFile, fileSHA [32]byte, cache *crypto.FileKeyCache) ([]byte, error) {
	if mine := v.myMembers(); mine != nil && !namesOneOf(sf.Header.Readers, mine) {
		return nil, v.notReaderError(sf.Header)
	}
	value, err := v.decryptSecret(sf, fileSHA, cache)
	if errors.Is(err, crypto.ErrNotRecipient) {
		return nil, v.notReaderError(sf.Header)
	}
	return value, err
}

// decryptSecret is openCached except that a file this identity has no
// stanza in is crypto.ErrNotRecipient, not yet judged against the policy:
// it reads nothing of the vault but the file, so it may run while the
// journal is verified (and the policy reloaded).
func (v *Vault) decryptSecret(sf *format.SecretFile, fileSHA [32]byte, cache *crypto.FileKeyCache) ([]byte, error) {
	p, err := v.decryptPayload(sf, fileSHA, cache)
	return p.Value, err
}

// openPayload is open, returning the whole envelope: the value and the
// previous and pending values a rotation keeps beside it. Every rewrite of
// a file that keeps its value (reencrypt, mv, meta) carries them over.
func (v *Vault) openPayload(sf *format.SecretFile) (format.Payload, error) {
	if mine := v.myMembers(); mine != nil && !namesOneOf(sf.Header.Readers, mine) {
		return format.Payload{}, v.notReaderError(sf.Header)
	}
	p, err := v.decryptPayload(sf, [32]byte{}, nil)
	if errors.Is(err, crypto.ErrNotRecipient) {
		return format.Payload{}, v.notReaderError(sf.Header)
	}
	return p, err
}

// decryptPayload decrypts and checks a secret file's envelope.
func (v *Vault) decryptPayload(sf *format.SecretFile, fileSHA [32]byte, cache *crypto.FileKeyCache) (format.Payload, error) {
	name := sf.Header.Name
	if v.identity == nil {
		return format.Payload{}, problemf(ErrNoAccess, "", "no identity to decrypt %s", name)
	}
	plain, err := crypto.DecryptCached(sf.Armored, fileSHA, v.identity, cache, v.readKeys, format.MaxValueSize+300)
	switch {
	case errors.Is(err, crypto.ErrNotRecipient):
		return format.Payload{}, err
	case errors.Is(err, crypto.ErrTampered):
		return format.Payload{}, wrapProblem(ErrVerify, err, "restore it with git, or run tresor verify", "secret %s", name)
	case err != nil:
		return format.Payload{}, fmt.Errorf("decrypting %s: %w", name, err)
	}
	p, err := format.ParsePayload(plain)
	if err != nil {
		return format.Payload{}, wrapProblem(ErrVerify, err, "", "secret %s", name)
	}
	if p.HeaderSHA256 != crypto.HashHex(sf.HeaderBytes) {
		return format.Payload{}, problemf(ErrVerify, "headers change only by re-encryption; restore it with git",
			"secret %s: the header was changed after encryption", name)
	}
	v.learnReadKey(p)
	return p, nil
}

// notReaderError judges a file this identity has no stanza in: tampering
// when its header names us, else no access.
func (v *Vault) notReaderError(h format.SecretHeader) error {
	if v.listedReader(h.Readers) {
		// The header names us, but no stanza opens with our key: the
		// recipient stanzas were damaged or replaced.
		return problemf(ErrVerify, "restore it with git, or run tresor verify",
			"secret %s lists you as a reader, but no recipient stanza opens with your key: the file was modified", h.Name)
	}
	if v.isNonMember() {
		return v.notMemberError(ErrNoAccess)
	}
	return problemf(ErrNoAccess, "readers are "+joinOrNone(h.Readers)+"; ask an admin, or use another identity (--identity)",
		"your identity (%s) is not a reader of %s", crypto.ShortRecipient(v.identity.Recipient()), h.Name)
}

// listedReader reports whether the current identity is the member of one of
// these reader names.
func (v *Vault) listedReader(readers []string) bool { return namesOneOf(readers, v.myMembers()) }

// namesOneOf reports whether readers names one of mine.
func namesOneOf(readers []string, mine map[string]bool) bool {
	return slices.ContainsFunc(readers, func(r string) bool { return mine[r] })
}

// readCheckedSecret reads a secret file and checks it against the verified
// journal state before anyone decrypts it. The caller holds the lock.
func (v *Vault) readCheckedSecret(name string, st *verifiedState) (*format.SecretFile, error) {
	sf, err := v.readSecretFile(name)
	if err != nil {
		return nil, err
	}
	if err := st.checkFile(name, sf.Marshal()); err != nil {
		return nil, err
	}
	return sf, nil
}

func joinOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// List returns the headers of the secrets under prefix, sorted by name.
func (v *Vault) List(prefix string) ([]Secret, error) {
	if err := format.ValidatePrefix(prefix); err != nil {
		return nil, problemf(nil, "", "prefix: %v", err)
	}
	// The names are the verified journal's, so that a file a push dropped
	// into secrets/ is never shown as a secret (verify reports it).
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, err
	}
	names := slices.Concat(slices.Collect(maps.Keys(st.secrets)), st.conflicts)
	slices.Sort(names)
	var out []Secret
	for _, n := range names {
		if !format.HasPrefix(n, prefix) {
			continue
		}
		sf, err := v.readRecordedSecret(n, st)
		if err != nil {
			return nil, err
		}
		if sf != nil {
			out = append(out, sf.Header)
		}
	}
	return out, nil
}

// Remove deletes the secret name and records it in the journal.
func (v *Vault) Remove(name string) error {
	if err := format.ValidateName(name); err != nil {
		return problemf(nil, "", "%v", err)
	}
	return v.writeLocked(func(st *verifiedState) error {
		actor, err := v.writerOf(name)
		if err != nil {
			return err
		}
		sf, err := v.readRecordedSecret(name, st)
		if err != nil {
			return err
		}
		if sf == nil {
			return problemf(ErrNotFound, "tresor ls lists the secrets", "no secret named %s", name)
		}
		_, err = v.commit(actor, change{
			Entry: format.Entry{Action: format.ActionRemove, Target: name, Details: &format.Details{Version: sf.Header.Version}},
			Files: []fileChange{{Rel: secretPath(name)}},
		})
		return err
	})
}

// Moved is what a move wrote: the new header, and the readers of the old
// name who cannot read the new one (Dropped). They may have kept the value,
// so the header marks it exposed, as a revocation does.
type Moved struct {
	Header  *Secret
	Dropped []string
}

// Move renames a secret. The header binds the name, so the value is
// re-encrypted under the new name: the member must read the old secret and
// write both names.
func (v *Vault) Move(from, to string) (*Moved, error) {
	for _, n := range []string{from, to} {
		if err := format.ValidateName(n); err != nil {
			return nil, problemf(nil, "", "%v", err)
		}
	}
	if from == to {
		return nil, problemf(nil, "", "%s and %s are the same name", from, to)
	}
	var out *Moved
	err := v.writeSettled(from, func(st *verifiedState, actor string, old *format.SecretFile) error {
		if _, err := v.writerOf(to); err != nil {
			return err
		}
		if ok, err := v.exists(secretPath(to)); err != nil {
			return err
		} else if ok {
			return problemf(nil, "remove it first with tresor rm, or choose another name", "a secret named %s already exists", to)
		}
		if format.FoldName(from) != format.FoldName(to) {
			if err := v.checkCaseCollision(to, st); err != nil {
				return err
			}
		}
		// The header moves with the value; a derived variable changes.
		if err := v.checkEnvClaim(EnvClaim{Secret: to, Env: old.Header.Env}, st, from); err != nil {
			return err
		}
		vals, err := v.openPayload(old)
		if err != nil {
			return err
		}
		h := newHeader(to, old, v.timeNow())
		after := v.Policy.ReadersOf(to)
		markLostReaders(&h, old.Header.Readers, after, v.Policy, v.timeNow())
		file, err := v.sealPayload(&h, vals)
		if err != nil {
			return err
		}
		var dropped []string
		for _, m := range old.Header.Readers {
			if !slices.Contains(after, m) {
				dropped = append(dropped, m)
			}
		}
		if _, err := v.commit(actor, change{
			Entry: format.Entry{Action: format.ActionMove, Target: to, File: crypto.FileHash(file),
				Details: &format.Details{Version: h.Version, From: from, Readers: h.Readers}},
			Files: []fileChange{{Rel: secretPath(to), Data: file}, {Rel: secretPath(from)}},
		}); err != nil {
			return err
		}
		out = &Moved{Header: &h, Dropped: dropped}
		return nil
	})
	return out, err
}
