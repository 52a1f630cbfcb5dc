package vault

import (
	"github.com/tresor-dev/tresor/format"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// An admin who removes themselves can re-encrypt nothing (they are no
// longer a member when the re-encryption is signed): every secret they
// could read is listed as pending, with the admin who can; one whose
// readers do not change is not.
func TestRevocationByAMemberWhoLeaves(t *testing.T) {
	alice, carol := mustIdentity(t), mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	clock := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	v, err := Init(dir, InitOptions{Member: "alice", Identity: alice, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := v.MemberAdd("carol", carol.Recipient(), carol.Signer(), []string{"admins"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Reencrypt("", false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Set("app/x", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	err = v.changePolicy("carol's own", func(p *format.Policy) error {
		p.Rules = append([]format.Rule{{Path: "ops/**", Read: format.Names{"carol"}, Write: format.Names{"admins"}}}, p.Rules...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Set("ops/y", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := v.MemberRemove("alice"); err != nil {
		t.Fatal(err)
	}
	rev := v.Revocation()
	if rev == nil || len(rev.Lost) != 1 || rev.Lost[0].Member != "alice" || !rev.Lost[0].Removed {
		t.Fatalf("revocation: %+v", rev)
	}
	if len(rev.Reencrypted) != 0 || len(rev.Pending) != 1 || rev.Pending[0].Name != "app/x" ||
		!slices.Equal(rev.Pending[0].CanDo, []string{"carol"}) || !slices.Equal(rev.Pending[0].Want, []string{"carol"}) {
		t.Fatalf("pending: %+v, re-encrypted %v", rev.Pending, rev.Reencrypted)
	}
	// alice wrote ops/y: she knows its value, though she never read it.
	if got := rev.Rotate(); !slices.Equal(got, []string{"app/x", "ops/y"}) {
		t.Errorf("rotate %v", got)
	}

	// carol re-encrypts: the file drops alice and says so.
	c, err := Open(dir, Options{Identity: carol, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Reencrypt("", false, nil)
	if err != nil || len(res.Changed) != 1 {
		t.Fatalf("reencrypt: %+v, %v", res, err)
	}
	sf, err := c.readSecretFile("app/x")
	if err != nil {
		t.Fatal(err)
	}
	if r := sf.Header.Rotation; r == nil || r.Exposed != "alice removed 2031-03-04" {
		t.Errorf("exposed: %+v", r)
	}
	if !slices.Equal([]string(sf.Header.Readers), []string{"carol"}) {
		t.Errorf("readers %v", sf.Header.Readers)
	}
	if _, err := c.Verify(VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A change that only gives access is no revocation.
func TestPolicyChangeThatTakesNothing(t *testing.T) {
	alice, bob := mustIdentity(t), mustIdentity(t)
	v, _ := initTestVault(t, alice, nil)
	if _, err := v.Set("x", []byte("value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), []string{"admins"}); err != nil {
		t.Fatal(err)
	}
	if v.Revocation() != nil {
		t.Fatalf("adding a member revoked: %+v", v.Revocation())
	}
	sf, err := v.readSecretFile("x")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sf.Header.Readers, ",") != "alice" {
		t.Errorf("adding a member re-encrypted x: readers %v", sf.Header.Readers)
	}
}
