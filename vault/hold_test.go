//go:build unix

package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Hold keeps the lock across its writes (another process waits), and
// writes this clone's verified state once, at the end, with every write
// in it.
func TestHoldLocksOnceAndSavesStateAtTheEnd(t *testing.T) {
	v, _ := newTestVault(t, nil)
	cs, err := v.state()
	if err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(cs.dir, verifiedFile)
	lockHeld := func() bool {
		f, err := os.OpenFile(filepath.Join(cs.dir, "lock"), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			return true
		}
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return false
	}
	err = v.Hold(func() error {
		for _, name := range []string{"app/a", "app/b"} {
			if _, err := v.Set(name, []byte("value of "+name), SetOptions{}); err != nil {
				return err
			}
			if !lockHeld() {
				t.Errorf("the lock was free after setting %s inside Hold", name)
			}
			if b, _ := os.ReadFile(statePath); bytes.Contains(b, []byte("app/a")) {
				t.Errorf("the verified state was saved inside Hold, after %s", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lockHeld() {
		t.Error("the lock is still held after Hold")
	}
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app/a", "app/b"} {
		if !bytes.Contains(b, []byte(name)) {
			t.Errorf("the verified state after Hold lacks %s", name)
		}
	}
	if got, _, err := v.Get("app/b"); err != nil || string(got) != "value of app/b" {
		t.Fatalf("Get after Hold = %q, %v", got, err)
	}
}
