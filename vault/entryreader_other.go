//go:build !unix

package vault

import (
	"os"

	"github.com/tresor-dev/tresor/format"
)

// An entryReader reads journal entry files by name through os.Root.
type entryReader struct{ root *os.Root }

func newEntryReader(jr *os.Root) (*entryReader, error) { return &entryReader{root: jr}, nil }

func (r *entryReader) close() {}

func (r *entryReader) read(name string, buf *[]byte) ([]byte, error) {
	return readInto(r.root, name, buf, format.MaxEntrySize)
}
