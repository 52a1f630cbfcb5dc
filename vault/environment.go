package vault

import (
	"errors"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A Selector chooses the secrets that become environment variables.
type Selector struct {
	// Prefix limits the selection to names under it; env names derived
	// from secret names are relative to it.
	Prefix string
	// Only are globs over whole secret names ("prod/db/*"); a pattern
	// without glob characters names one secret exactly.
	Only []string
}

// An EnvVar is one secret as an environment variable.
type EnvVar struct {
	Name   string // the environment variable
	Secret string // the secret's name
	Value  []byte
}

// An Environment is the selected secrets as variables, and what was left
// out.
type Environment struct {
	Vars     []EnvVar
	Skipped  []Skipped
	Warnings []string
}

// ErrEnvName marks selections whose variable names clash or are invalid.
var ErrEnvName = errors.New("bad environment variable mapping")

// Environment decrypts the selected secrets, after checking each against
// the journal, and maps them to environment variable names: the secret's
// env header, or its name relative to the prefix in upper case with '/',
// '-' and '.' as '_'. Secrets the identity cannot read are skipped with a
// note when a glob (or the default) selected them, and are an error when
// named exactly. Nothing is returned unless every selected secret that
// should be readable decrypted and verified, and no variable is refused
// (envguard.go) or shared by two secrets.
func (v *Vault) Environment(sel Selector) (*Environment, error) {
	if err := format.ValidatePrefix(sel.Prefix); err != nil {
		return nil, problemf(nil, "", "--prefix: %v", err)
	}
	for _, g := range sel.Only {
		if !doublestar.ValidatePattern(g) {
			return nil, problemf(nil, "globs match whole names: prod/db/*, prod/**", "--only %q is not a valid glob", g)
		}
	}
	// Select from what the journal records, not from the files present: a
	// secret whose file went missing must fail, not silently drop out.
	cache := v.loadFileKeyCache()
	st, early, err := v.verifiedWhileOpening(sel, cache)
	if err != nil {
		return nil, err
	}
	if v.isNonMember() {
		// Not one secret to read: the program must not start without them.
		return nil, v.notMemberError(ErrNoAccess)
	}
	// Secrets with versions awaiting a writer's choice (merged branches,
	// or a revoked write) are selected too, so that opening them fails:
	// a program never runs with one silently left out.
	names := make([]string, 0, len(st.secrets)+len(st.conflicts))
	for n := range st.secrets {
		names = append(names, n)
	}
	names = append(names, st.conflicts...)
	sort.Strings(names)
	exact := map[string]bool{}
	for _, g := range sel.Only {
		if strings.ContainsAny(g, "*?[{\\") {
			continue
		}
		if !containsSorted(names, g) {
			return nil, problemf(ErrNotFound, "tresor ls lists the secrets", "no secret named %s", g)
		}
		if !format.HasPrefix(g, sel.Prefix) {
			return nil, problemf(nil, "", "%s is not under the prefix %s", g, sel.Prefix)
		}
		exact[g] = true
	}
	chosen := sel.filter(names)
	results := v.openVerified(chosen, early, cache, st)
	env := &Environment{}
	var headers []format.SecretHeader
	for i, name := range chosen {
		r := results[i]
		switch {
		case errors.Is(r.err, ErrNoAccess) && !exact[name]:
			env.Skipped = append(env.Skipped, Skipped{Name: name, Reason: "you are not a reader of it (readers: " + joinOrNone(r.header.Readers) + ")"})
			continue
		case r.err != nil:
			return nil, r.err
		}
		headers = append(headers, r.header)
		env.Vars = append(env.Vars, EnvVar{Name: envNameFor(r.header, sel.Prefix), Secret: name, Value: r.value})
	}
	if err := v.checkExported(env.Vars); err != nil {
		return nil, err
	}
	warnings, err := v.checkExpiryAtUse(headers) // expiry.go
	if err != nil {
		return nil, err
	}
	env.Warnings = append(env.Warnings, warnings...)
	v.saveFileKeyCache(cache, st)
	read := make([]string, len(env.Vars))
	for i, ev := range env.Vars {
		read[i] = ev.Secret
	}
	v.logAccess("env", read)
	return env, nil
}

// openVerified returns the chosen secrets opened. Those opened early, while
// the journal was verified, count only when the verified journal records
// exactly the bytes that were opened, and when they opened or simply had
// no stanza for this identity; the others are read, checked and opened
// now.
func (v *Vault) openVerified(chosen []string, early map[string]opened, cache *crypto.FileKeyCache, st *verifiedState) []opened {
	results := make([]opened, len(chosen))
	var again []string
	var againAt []int
	view := v.readerView() // under the verified policy
	mine := view.mine
	for i, name := range chosen {
		if r, ok := early[name]; ok && r.read && st.checkFileHash(name, r.hash()) == nil {
			listed := mine == nil || namesOneOf(r.header.Readers, mine)
			switch {
			case r.passed && !listed, !r.passed && errors.Is(r.err, crypto.ErrNotRecipient):
				r.err = v.notReaderError(r.header) // the verified policy judges
				results[i] = r
				continue
			case !r.passed && r.err == nil && listed:
				results[i] = r
				continue
			}
		}
		again = append(again, name)
		againAt = append(againAt, i)
	}
	for j, r := range v.openMany(again, cache, st, view) {
		results[againAt[j]] = r
	}
	return results
}

// filter returns the names the selector chooses, in order.
func (sel Selector) filter(names []string) []string {
	var chosen []string
	for _, n := range names {
		if !format.HasPrefix(n, sel.Prefix) {
			continue
		}
		if len(sel.Only) > 0 && !matchesAny(sel.Only, n) {
			continue
		}
		chosen = append(chosen, n)
	}
	return chosen
}

// verifiedWhileOpening returns the verified journal state for reads. When
// the journal must be verified first (a fresh clone, or new entries since
// the last run), the selected files present on disk are read and decrypted
// meanwhile: both are CPU-bound, and on a fresh clone they are most of
// exec's cost. Nothing opened early is used unless the verified journal
// records the very bytes that were opened (see Environment), and nothing
// leaves this package before verification passed.
func (v *Vault) verifiedWhileOpening(sel Selector, cache *crypto.FileKeyCache) (*verifiedState, map[string]opened, error) {
	if st := v.freshVerifiedState(); st != nil {
		names := slices.Concat(slices.Collect(maps.Keys(st.secrets)), st.conflicts)
		slices.Sort(names)
		if st.entriesUnchanged(v, sel.filter(names)) {
			return st, nil, nil
		}
	}
	listing, err := v.listVault()
	if err != nil {
		st, err := v.verifiedForRead() // reports the problem in full
		return st, nil, err
	}
	names := sel.filter(listing.names)
	done := make(chan []opened, 1)
	view := v.readerView() // taken now: verification reloads the policy
	go func() { done <- v.openMany(names, cache, nil, view) }()
	var results []opened
	readFiles := func() map[string]string {
		// Verification checks the files against the journal after its
		// replay; the bytes opened meanwhile need not be read twice.
		results = <-done
		hashes := make(map[string]string, len(names))
		for i, r := range results {
			if r.read {
				hashes[names[i]] = r.hash()
			}
		}
		return hashes
	}
	st, err := v.verifiedForReadWith(VerifyOptions{readFiles: readFiles, listing: listing, deps: names})
	if results == nil {
		results = <-done // verification ended before checking files
	}
	if err != nil {
		return nil, nil, err
	}
	early := make(map[string]opened, len(names))
	for i, name := range names {
		early[name] = results[i]
	}
	return st, early, nil
}

func matchesAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := doublestar.Match(g, name); ok {
			return true
		}
	}
	return false
}

func containsSorted(sorted []string, s string) bool {
	i := sort.SearchStrings(sorted, s)
	return i < len(sorted) && sorted[i] == s
}

// envNameFor is the variable a secret becomes: its env header, or its name
// relative to prefix, upper-cased, with '/', '-' and '.' as '_'.
func envNameFor(h format.SecretHeader, prefix string) string {
	if h.Env != "" {
		return h.Env
	}
	rel := h.Name
	if p := strings.TrimSuffix(prefix, "/"); p != "" && rel != p {
		rel = strings.TrimPrefix(rel, p+"/")
	}
	return DeriveEnvName(rel)
}

// DeriveEnvName maps a secret name to a variable name: upper case, '/',
// '-' and '.' become '_'.
func DeriveEnvName(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if c == '/' || c == '-' || c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}
