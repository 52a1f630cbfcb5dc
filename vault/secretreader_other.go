//go:build !linux

package vault

// A secretReader reads secret files by vault-relative path through os.Root.
type secretReader struct{ v *Vault }

func (v *Vault) newSecretReader() *secretReader { return &secretReader{v: v} }

func (r *secretReader) close() {}

func (r *secretReader) read(rel string, buf *[]byte) ([]byte, error) {
	return readInto(r.v.root, osPath(rel), buf)
}
