package vault

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/tresor-dev/tresor/vault/privatekeys"
)

// maxKeyFileSize bounds the files searched for private keys: keys are
// small, and a large file is data, not an identity someone saved.
const maxKeyFileSize = 1 << 20

// privateKeyFindings reports each file of the vault's git work tree, tracked
// or untracked but not ignored, that holds a private key: an identity
// written next to the code (docs/ci.md once did so for the deploy key) is
// one `git add -A` away from the repository. Such a finding fails verify
// but does not block reads. Files under the vault directory are left to the
// vault's own checks. Outside git there is no work tree to search.
func (v *Vault) privateKeyFindings() (findings []Finding, note string) {
	_, top, ok := findGitWorkTree(v.Dir)
	if !ok {
		return nil, ""
	}
	out, err := Git(top, nil, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return nil, "the work tree was not searched for private keys: " + firstLine(err.Error())
	}
	vaultRel, _ := filepath.Rel(top, v.Dir)
	vaultRel = filepath.ToSlash(vaultRel) + "/"
	var paths []string
	seen := map[string]bool{}
	for _, p := range bytes.Split(out, []byte{0}) {
		rel := string(p)
		if rel == "" || seen[rel] || strings.HasPrefix(rel, vaultRel) {
			continue
		}
		seen[rel] = true
		paths = append(paths, rel)
	}
	kinds := make([]string, len(paths))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			for i := w; i < len(paths); i += workers {
				kinds[i] = keyInFile(filepath.Join(top, filepath.FromSlash(paths[i])), &buf)
			}
		}()
	}
	wg.Wait()
	for i, k := range kinds {
		if k == "" {
			continue
		}
		findings = append(findings, Finding{Check: CheckFiles, Stray: true, Message: fmt.Sprintf(
			"%s (in the work tree) holds %s private key: keep identities outside the repository, where git add cannot commit them; if it was ever committed or pushed, treat the key as leaked (tresor member rm, then rotate)",
			paths[i], keyKindName(k))})
	}
	return findings, ""
}

// keyInFile returns the kind of private key in the regular file at path, or
// "". Symlinks, FIFOs and devices are not opened in a way that follows or
// blocks, and are skipped, as are files larger than maxKeyFileSize.
func keyInFile(path string, buf *[]byte) string {
	f, err := openRegular(nil, path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() > maxKeyFileSize {
		return ""
	}
	if int64(cap(*buf)) < fi.Size() {
		*buf = make([]byte, fi.Size())
	}
	b := (*buf)[:fi.Size()]
	n, _ := io.ReadFull(f, b)
	b = b[:n]
	return privatekeys.Find(b)
}

func keyKindName(kind string) string {
	switch kind {
	case "age":
		return "an age"
	case "openssh":
		return "an OpenSSH"
	}
	return "a PEM"
}
