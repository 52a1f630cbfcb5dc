package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

func ageArmored(t *testing.T, plain []byte, rs ...age.Recipient) []byte {
	t.Helper()
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rs...)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	aw.Close()
	return buf.Bytes()
}

// The one-chunk path must decrypt exactly what age decrypts, at every size
// around the chunk boundary, and refuse what age refuses.
func TestDecryptOneChunkMatchesAge(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	pq, _ := age.GenerateHybridIdentity()
	for _, tc := range []struct {
		id age.Identity
		r  age.Recipient
	}{{id, id.Recipient()}, {pq, pq.Recipient()}} {
		for _, n := range []int{0, 1, 100, streamChunkSize - 1, streamChunkSize, streamChunkSize + 1, 3*streamChunkSize + 7} {
			plain := make([]byte, n)
			rand.Read(plain)
			file := ageArmored(t, plain, tc.r)
			got, err := decryptOneChunk(file, []age.Identity{tc.id}, 1<<20)
			if n > streamChunkSize {
				if !errors.Is(err, errNotOneChunk) {
					t.Fatalf("size %d: %v, want errNotOneChunk", n, err)
				}
			} else if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("size %d: decryptOneChunk = %d bytes, %v", n, len(got), err)
			}
			via, err := decryptWith(file, []age.Identity{tc.id}, 1<<20)
			if err != nil || !bytes.Equal(via, plain) {
				t.Fatalf("size %d: decryptWith = %d bytes, %v", n, len(via), err)
			}
		}
	}
	// Tampering anywhere, and the wrong identity.
	plain := []byte("a secret value")
	file := ageArmored(t, plain, id.Recipient())
	var bin bytes.Buffer
	io.Copy(&bin, armor.NewReader(bytes.NewReader(file)))
	for _, pos := range []int{len(bin.Bytes()) - 1, len(bin.Bytes()) - 20, 60} {
		b := bytes.Clone(bin.Bytes())
		b[pos] ^= 1
		var rearmored bytes.Buffer
		aw := armor.NewWriter(&rearmored)
		aw.Write(b)
		aw.Close()
		if _, err := decryptWith(rearmored.Bytes(), []age.Identity{id}, 1<<20); err == nil {
			t.Fatalf("flipped byte %d decrypted", pos)
		}
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := decryptWith(file, []age.Identity{other}, 1<<20); !errors.Is(err, ErrNotRecipient) {
		t.Fatalf("other identity: %v, want ErrNotRecipient", err)
	}
	if _, err := decryptWith(file, []age.Identity{id}, 5); err == nil {
		t.Fatal("maxSize not enforced")
	}
}
