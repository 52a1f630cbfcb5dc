//go:build !linux

package vault

// A secretReader reads secret files by vault-relative path (readChecked:
// os.Root, refusing symlinks on the path).
type secretReader struct{ v *Vault }

func (v *Vault) newSecretReader() *secretReader { return &secretReader{v: v} }

func (r *secretReader) close() {}

func (r *secretReader) read(rel string, buf *[]byte) ([]byte, error) {
	return r.v.readChecked(rel, buf)
}
