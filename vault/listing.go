package vault

import (
	"bytes"
	"errors"
	"io/fs"
	"sort"
	"strings"

	"github.com/tresor-dev/tresor/format"
)

// A vaultListing is what the vault directory holds: the secret files by
// name, and every path that is no part of the vault's format. git can put
// anything into a work tree; tresor reads only its own files, and verify
// reports the rest.
type vaultListing struct {
	names  []string
	strays []stray
	// legacyLocal: the local/ directory of an earlier tresor is there.
	legacyLocal bool
}

// A stray is a path under the vault that tresor neither wrote nor reads.
type stray struct {
	rel, why string
}

// listVault walks the vault directory without following symlinks. The
// journal's files are judged by verify's load phase, which reads them all.
func (v *Vault) listVault() (*vaultListing, error) {
	l := &vaultListing{}
	err := fs.WalkDir(v.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == secretsDir {
				return fs.SkipDir
			}
			if p == "." {
				return err
			}
			l.strays = append(l.strays, stray{p, "cannot be read: " + unwrapPath(err).Error()})
			return skipIfDir(d)
		}
		if p == "." {
			return nil
		}
		why, skip := l.judge(v, p, d)
		if why != "" {
			l.strays = append(l.strays, stray{p, why})
		}
		if skip {
			return skipIfDir(d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(l.names)
	return l, nil
}

func skipIfDir(d fs.DirEntry) error {
	if d != nil && d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// judge says why the path p is not part of the vault ("" if it is), and
// whether to skip what is below it. Secret files are collected.
func (l *vaultListing) judge(v *Vault, p string, d fs.DirEntry) (why string, skip bool) {
	t := d.Type()
	if t&fs.ModeSymlink != 0 {
		return "is a symlink, which tresor refuses inside the vault (it writes none)", true
	}
	top, rest, nested := strings.Cut(p, "/")
	if !nested {
		switch {
		case p == vaultFileName || p == policyFileName || p == ScanAllowFileName:
			if !t.IsRegular() {
				return "is not a regular file", true
			}
			return "", false
		case p == ".gitattributes":
			// It tells git how to diff and merge secret files: a push must
			// not change what git runs on them.
			if b, err := v.readFile(p, 4096); err != nil || !isTresorGitattributes(b) {
				return "is not the .gitattributes tresor writes (restore it: git checkout -- " + DirName + "/.gitattributes)", true
			}
			return "", false
		case p == ".gitignore":
			if b, err := v.readFile(p, 4096); err != nil || !bytes.Equal(b, []byte(legacyGitignore)) {
				return "is not the .gitignore an earlier tresor wrote (tresor writes none now)", true
			}
			return "", false
		case p == legacyLocalDir && d.IsDir():
			l.legacyLocal = true // an earlier tresor's per-clone state: ignored, with a notice
			return "", true
		case p == secretsDir && d.IsDir(), p == journalDir && d.IsDir():
			return "", p == journalDir
		case isTempName(p):
			return "", false
		}
		return "is not part of a tresor vault (only vault.yaml, policy.yaml, scan-allow.yaml, .gitattributes, secrets/ and journal/ are)", true
	}
	if top != secretsDir {
		return "", true
	}
	name := d.Name()
	switch {
	case !d.IsDir() && !t.IsRegular():
		return "is not a regular file (" + t.String() + ")", true
	case d.IsDir():
		if format.ValidateName(rest) != nil {
			return "is a directory no secret name can be in", true
		}
		return "", false
	case isTempName(name):
		return "", false // a write's temporary file: doctor's business
	case rest == ".keep":
		return "", false
	}
	secret, ok := strings.CutSuffix(rest, secretExt)
	if !ok {
		return "is not a secret file (no " + secretExt + " extension)", false
	}
	if err := format.ValidateName(secret); err != nil {
		return "is not a valid secret file name: " + err.Error(), false
	}
	l.names = append(l.names, secret)
	return "", false
}

// isTresorGitattributes reports whether b is a .gitattributes tresor
// writes, now or in an earlier version.
func isTresorGitattributes(b []byte) bool {
	return bytes.Equal(b, []byte(gitattributes)) || bytes.Equal(b, []byte(legacyGitattributes))
}

// isTempName reports whether a file name is one of a write's temporary
// files: ".<target>.tmp-<hex>".
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}
