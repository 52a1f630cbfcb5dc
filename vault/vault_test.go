package vault

import (
	"path/filepath"
	"testing"
)

// The lock reloads policy.yaml; it skips parsing only when the bytes are the
// ones parsed last, so a change made by another process is seen.
func TestLockReloadsAChangedPolicy(t *testing.T) {
	alice, bob := mustIdentity(t), mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	a, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir, Options{Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.MemberAdd("bob", bob.Recipient(), bob.Signer(), nil); err != nil {
		t.Fatal(err)
	}
	err = a.withLock(func() error {
		if _, ok := a.Policy.Members["bob"]; !ok {
			t.Error("the lock kept the policy parsed before another handle changed it")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
