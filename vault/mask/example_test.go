package mask_test

import (
	"encoding/base64"
	"os"

	"github.com/tresor-dev/tresor/vault/mask"
)

func Example() {
	secret := []byte("hunter2!")
	w := mask.New(os.Stdout, [][]byte{secret})
	w.Write([]byte("password=hunt"))
	w.Write([]byte("er2! encoded="))
	w.Write([]byte(base64.StdEncoding.EncodeToString(secret) + "\n"))
	w.Close()
	// Output: password=***** encoded=*****
}

// Compile once to filter stdout and stderr with the same secrets.
func ExampleCompile() {
	m := mask.Compile([][]byte{[]byte("hunter2!"), []byte("42")})
	stdout, stderr := m.NewWriter(os.Stdout), m.NewWriter(os.Stderr)
	defer stdout.Close()
	defer stderr.Close()
	if n := m.Skipped(); n > 0 {
		stderr.Write([]byte("warning: a short secret is not masked\n"))
	}
	stdout.Write([]byte("the answer is 42, the password hunter2!\n"))
	// Output: the answer is 42, the password *****
}
