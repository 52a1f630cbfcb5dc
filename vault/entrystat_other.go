//go:build !linux && !darwin

package vault

import "fmt"

// entryStatter returns a function giving the identity of a journal entry
// file (see entryIdentity).
func (v *Vault) entryStatter() (stat func(file string) string, done func()) {
	return func(file string) string {
		fi, err := v.root.Lstat(journalDir + "/" + file)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("%d.%d.%s", fi.Size(), fi.ModTime().UnixNano(), fileIdentity(fi))
	}, func() {}
}
