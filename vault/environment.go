package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

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
// should be readable decrypted and verified.
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
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(st.secrets))
	for n := range st.secrets {
		names = append(names, n)
	}
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
	cache := v.loadFileKeyCache()
	env := &Environment{}
	vars := make([]EnvVar, len(chosen))
	skips := make([]string, len(chosen))
	warns := make([]string, len(chosen))
	errs := make([]error, len(chosen))
	now := v.now()
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	if v.identity != nil && !v.identity.Parallel() {
		workers = 1 // hardware tokens answer one request at a time
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 0, 16<<10)
			files := v.newSecretReader()
			defer files.close()
			for i := w; i < len(chosen); i += workers {
				name := chosen[i]
				sf, err := readSecretWith(files, name, &buf)
				if errors.Is(err, fs.ErrNotExist) {
					err = problemf(ErrVerify, "restore it with git, or tresor doctor after a crash",
						"%s is missing, but the journal records it and no entry removed it", secretPath(name))
				}
				var sum [32]byte
				if err == nil {
					file := sf.Marshal()
					sum = sha256.Sum256(file)
					err = st.checkFileHash(name, "sha256:"+hex.EncodeToString(sum[:]))
				}
				if err != nil {
					errs[i] = err
					continue
				}
				value, err := v.openCached(sf, sum, cache)
				if errors.Is(err, ErrNoAccess) && !exact[name] {
					skips[i] = "you are not a reader of it (readers: " + joinOrNone(sf.Header.Readers) + ")"
					continue
				}
				if err != nil {
					errs[i] = err
					continue
				}
				if r := sf.Header.Rotation; r != nil && !r.Expires.IsZero() && now.After(r.Expires) {
					warns[i] = fmt.Sprintf("%s expired on %s: rotate it", name, r.Expires.Format("2006-01-02"))
				}
				vars[i] = EnvVar{Name: envNameFor(sf.Header, sel.Prefix), Secret: name, Value: value}
			}
		}(w)
	}
	wg.Wait()
	for i, name := range chosen {
		switch {
		case errs[i] != nil:
			return nil, errs[i]
		case skips[i] != "":
			env.Skipped = append(env.Skipped, Skipped{Name: name, Reason: skips[i]})
		default:
			env.Vars = append(env.Vars, vars[i])
		}
		if warns[i] != "" {
			env.Warnings = append(env.Warnings, warns[i])
		}
	}
	if err := checkEnvNames(env.Vars); err != nil {
		return nil, err
	}
	v.saveFileKeyCache(cache, st)
	read := make([]string, len(env.Vars))
	for i, ev := range env.Vars {
		read[i] = ev.Secret
	}
	v.logAccess("env", read)
	return env, nil
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

// checkEnvNames refuses variable names that are not identifiers and two
// secrets mapping to one name, naming the secrets involved.
func checkEnvNames(vars []EnvVar) error {
	seen := map[string]string{}
	for _, ev := range vars {
		if !format.ValidEnvName(ev.Name) {
			return problemf(ErrEnvName, "give it a variable name: tresor set "+ev.Secret+" --env NAME (value on stdin)",
				"secret %s maps to %q, which is not a valid environment variable name", ev.Secret, ev.Name)
		}
		if other, ok := seen[ev.Name]; ok {
			return problemf(ErrEnvName, "give one of them another variable name with tresor set NAME --env VAR, or narrow the selection",
				"secrets %s and %s both map to %s", other, ev.Secret, ev.Name)
		}
		seen[ev.Name] = ev.Secret
	}
	return nil
}
