package vault

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// writeRotationForTest gives a secret the rotation metadata r in a
// signed secret.meta write (value unchanged, version +1): states tresor
// reaches only over time (rotated long ago, a rotation half done, with a
// pending value beside the current one).
func writeRotationForTest(t *testing.T, v *Vault, name string, r *format.Rotation) {
	t.Helper()
	forgeRotation(t, v, name, r, nil, format.ActionMeta, "")
}

// forgeRotation rewrites secret name with the rotation metadata r and the
// envelope vals (nil: its own, with a pending value when r is pending), as
// one signed entry of action with change text.
func forgeRotation(t *testing.T, v *Vault, name string, r *format.Rotation, vals *format.Payload, action, text string) {
	t.Helper()
	err := v.writeSettled(name, func(_ *verifiedState, actor string, old *format.SecretFile) error {
		if vals == nil {
			own, err := v.openPayload(old)
			if err != nil {
				return err
			}
			if !r.Pending.IsZero() {
				own.Pending = []byte("the next value")
			}
			vals = &own
		}
		h := newHeader(name, old, v.timeNow())
		h.Rotation = r
		file, err := v.sealPayload(&h, *vals)
		if err != nil {
			return err
		}
		_, err = v.commit(actor, secretChange(action, file, h, text))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// statusVault is a vault in each state: alice and bob read app/**, alice
// prod/** (where the policy's default says every 90d); carol is an admin
// who reads nothing. The vault is written on 2030-01-01.
func statusVault(t *testing.T) (dir string, alice, carol *crypto.Identity) {
	t.Helper()
	alice, bob, carol := mustIdentity(t), mustIdentity(t), mustIdentity(t)
	clock := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	dir = filepath.Join(t.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: alice, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	p := v.Policy.Clone()
	p.Members["bob"] = format.Member{Recipient: bob.Recipient(), Signer: bob.Signer()}
	p.Members["carol"] = format.Member{Recipient: carol.Recipient(), Signer: carol.Signer()}
	p.Groups = format.GroupMap{"admins": {"alice", "carol"}}
	p.Rules = []format.Rule{
		{Path: "app/**", Read: format.Names{"alice", "bob"}, Write: format.Names{"alice", "bob"}},
		{Path: "**", Read: format.Names{"alice"}, Write: format.Names{"alice"}},
	}
	p.Admins = format.Names{"admins"}
	p.Settings = &format.Settings{Rotation: []format.RotationDefault{{Path: "prod/**", Every: "90d"}}}
	if err := v.ApplyPolicy(p.Marshal()); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"app/plain", "app/rotating", "app/expiring", "app/half", "app/exposed", "prod/db", "prod/api", "other/x"} {
		if _, err := v.Set(n, []byte("value of "+n), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	clock = clock.Add(10 * 24 * time.Hour) // 2030-01-11
	writeRotationForTest(t, v, "app/rotating", &format.Rotation{Every: "30d", Rotated: clock})
	writeRotationForTest(t, v, "app/expiring", &format.Rotation{Expires: time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)})
	writeRotationForTest(t, v, "app/half", &format.Rotation{Pending: clock})
	writeRotationForTest(t, v, "app/exposed", &format.Rotation{Exposed: "mallory removed 2030-01-10"})
	writeRotationForTest(t, v, "prod/api", &format.Rotation{Every: "1y"})
	return dir, alice, carol
}

func TestStatusOfAVault(t *testing.T) {
	dir, _, carol := statusVault(t)

	// No identity at all: status reads headers and the journal only.
	v, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	at := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	rep, err := v.Status(StatusOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	got := statusLines(rep)
	want := []string{
		"app/exposed exposed",
		"app/rotating overdue", // rotated 2030-01-11 + 30d = 2030-02-10
		"prod/db never",        // default 90d: due 2030-04-01
		"prod/api never",       // header 1y
		"app/half half-done",   // pending since 2030-01-11
		"app/expiring ok",      // expires 2030-06-01
		"app/plain ok", "other/x ok",
	}
	if !slices.Equal(got, want) {
		t.Errorf("status at %s\n got %q\nwant %q", at.Format(time.DateOnly), got, want)
	}
	if s := findStatus(rep, "prod/db"); s.Every != "90d" || s.EveryFrom != "prod/**" || !s.Due.Equal(time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("prod/db: every %q from %q, due %v", s.Every, s.EveryFrom, s.Due)
	}

	// A longer look-ahead, and later dates.
	rep, _ = v.Status(StatusOptions{At: at, Within: 100 * 24 * time.Hour})
	if s := findStatus(rep, "app/expiring"); !slices.Equal(s.Conditions, conds(StatusExpiring)) {
		t.Errorf("app/expiring within 100d: %v", s.Conditions)
	}
	if s := findStatus(rep, "prod/db"); !slices.Equal(s.Conditions, conds(StatusDue, StatusNever)) {
		t.Errorf("prod/db within 100d: %v", s.Conditions)
	}
	rep, _ = v.Status(StatusOptions{At: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)})
	if s := findStatus(rep, "app/expiring"); !slices.Equal(s.Conditions, conds(StatusExpired)) {
		t.Errorf("app/expiring in 2099: %v", s.Conditions)
	}
	if s := findStatus(rep, "prod/api"); !slices.Equal(s.Conditions, conds(StatusOverdue, StatusNever)) {
		t.Errorf("prod/api in 2099: %v", s.Conditions)
	}

	// A prefix.
	rep, _ = v.Status(StatusOptions{At: at, Prefix: "prod/"})
	if got := statusLines(rep); !slices.Equal(got, []string{"prod/db never", "prod/api never"}) {
		t.Errorf("prod/: %q", got)
	}
	if _, err := v.Status(StatusOptions{Prefix: "../x"}); err == nil {
		t.Error("a bad prefix is accepted")
	}

	// carol, an admin who reads none of app/**, takes bob's read access
	// away: she cannot re-encrypt, so the files still name bob.
	vc, err := Open(dir, Options{Identity: carol})
	if err != nil {
		t.Fatal(err)
	}
	p := vc.Policy.Clone()
	p.Rules[0].Read = format.Names{"alice"}
	if err := vc.ApplyPolicy(p.Marshal()); err != nil {
		t.Fatal(err)
	}
	vc.Close()
	rep, err = v.Status(StatusOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	s := findStatus(rep, "app/plain")
	if !slices.Equal(s.Conditions, conds(StatusExposed, StatusPending)) || !slices.Equal(s.ReadersToRemove, []string{"bob"}) ||
		!slices.Equal(s.CanReencrypt, []string{"alice", "bob"}) { // bob still reads the file and writes app/**
		t.Errorf("app/plain after bob lost read access: %+v", s)
	}
	if s := findStatus(rep, "other/x"); !s.OK() {
		t.Errorf("other/x is not affected: %v", s.Conditions)
	}
}

// A file that does not match the journal is reported, not believed: its
// header could say anything.
func TestStatusUnverifiedFiles(t *testing.T) {
	dir, _, _ := statusVault(t)
	v, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Status(StatusOptions{}); err != nil { // verified state saved
		t.Fatal(err)
	}
	// An attacker with push access rewrites an overdue secret's header to
	// look freshly rotated, and deletes another file.
	f := filepath.Join(dir, "secrets", "app", "rotating.secret")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "rotated: 2030-01-11", "rotated: 2030-02-28", 1))
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "secrets", "other", "x.secret")); err != nil {
		t.Fatal(err)
	}
	rep, err := v.Status(StatusOptions{At: time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"app/rotating", "other/x"} {
		if s := findStatus(rep, n); !slices.Equal(s.Conditions, conds(StatusUnverified)) || s.Problem == "" {
			t.Errorf("%s: %v %q, want unverified with the reason", n, s.Conditions, s.Problem)
		}
	}
	if got := statusLines(rep)[:2]; !slices.Equal(got, []string{"app/rotating unverified", "other/x unverified"}) {
		t.Errorf("unverified files first: %q", got)
	}
	if err := rep.Unverified(); !errors.Is(err, ErrVerify) {
		t.Errorf("Unverified() = %v", err)
	}
}

func statusLines(rep *StatusReport) []string {
	var out []string
	for _, s := range rep.Secrets {
		state := "ok"
		if !s.OK() {
			state = s.Conditions[0].String()
		}
		out = append(out, s.Name+" "+state)
	}
	return out
}

func findStatus(rep *StatusReport, name string) SecretStatus {
	for _, s := range rep.Secrets {
		if s.Name == name {
			return s
		}
	}
	return SecretStatus{}
}
