package vault

import (
	"errors"
	"io/fs"
	"maps"
	"slices"

	"github.com/tresor-dev/tresor/crypto"
)

// A ScanValue is a secret's value, for tresor scan to look for in files.
type ScanValue struct {
	Secret string
	Value  []byte
}

// ScanValues decrypts every secret this identity reads, after verifying the
// journal and checking each file against it, as Environment does (the same
// warm path: early opens, the file key cache), without mapping the secrets
// to variables. Secrets the identity cannot read are returned as skipped;
// secrets with versions awaiting tresor resolve are left out (no one value
// is the secret's). The values stay in memory: the caller clears them.
func (v *Vault) ScanValues() ([]ScanValue, []Skipped, error) {
	cache := v.loadFileKeyCache()
	st, early, err := v.verifiedWhileOpening(Selector{}, cache)
	if err != nil {
		return nil, nil, err
	}
	names := slices.Sorted(maps.Keys(st.secrets))
	results := v.openVerified(names, early, cache, st)
	var values []ScanValue
	var skipped []Skipped
	for i, name := range names {
		r := results[i]
		switch {
		case errors.Is(r.err, ErrNoAccess):
			skipped = append(skipped, Skipped{Name: name, Reason: "you are not a reader of it"})
			continue
		case r.err != nil:
			for _, sv := range values {
				clear(sv.Value)
			}
			return nil, nil, r.err
		}
		values = append(values, ScanValue{Secret: name, Value: r.value})
	}
	v.saveFileKeyCache(cache, st)
	read := make([]string, len(values))
	for i, sv := range values {
		read[i] = sv.Secret
	}
	v.logAccess("scan", read)
	return values, skipped, nil
}

// ScanAllowFile returns scan-allow.yaml's bytes, at most limit of them, or
// nil when the vault has none. (vault/scan parses it.)
func (v *Vault) ScanAllowFile(limit int64) ([]byte, error) {
	b, err := v.readFile(ScanAllowFileName, limit)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// ScanAllowSigned reports whether scan-allow.yaml's bytes b are the ones
// an admin approved in the signed policy (settings: {scan-allow:
// sha256:…}), after verifying the journal, and returns their hash: the file
// is committed like any other, and a push must not be able to let a leak
// through the hook with it.
func (v *Vault) ScanAllowSigned(b []byte) (signed bool, hash string, err error) {
	hash = crypto.FileHash(b)
	if _, err := v.verifiedForRead(); err != nil {
		return false, hash, err
	}
	s := v.Policy.Settings
	return s != nil && s.ScanAllow == hash, hash, nil
}
