package vault

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A secret whose rotation metadata says it expired is still handed out, with
// a warning, as the exec issue asks.
func TestEnvironmentWarnsAboutExpiredSecrets(t *testing.T) {
	id, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	v, err := Init(filepath.Join(t.TempDir(), DirName), InitOptions{Member: "alice", Identity: id, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	write := func(name string, expires time.Time) {
		t.Helper()
		commitAsAlice(t, v, format.SecretHeader{Name: name, Version: 1, Created: now, Updated: now,
			Rotation: &format.Rotation{Every: "90d", Rotated: now.AddDate(0, -6, 0), Expires: expires}})
	}
	write("app/old", now.AddDate(0, -1, 0))
	write("app/fresh", now.AddDate(1, 0, 0))
	env, err := v.Environment(Selector{})
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Vars) != 2 {
		t.Fatalf("got %d variables, want both secrets", len(env.Vars))
	}
	if len(env.Warnings) != 1 || !strings.Contains(env.Warnings[0], "app/old expired on 2026-10-25") {
		t.Fatalf("warnings = %q, want one about app/old", env.Warnings)
	}
	if rep, err := v.Verify(VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Findings)
	}
}

func TestDeriveEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"db/password":     "DB_PASSWORD",
		"api-key":         "API_KEY",
		"tls/server.key":  "TLS_SERVER_KEY",
		"Mixed/Case-Name": "MIXED_CASE_NAME",
		"1abc":            "1ABC", // refused later: not an identifier
		"a.b-c/d_e":       "A_B_C_D_E",
	} {
		if got := DeriveEnvName(in); got != want {
			t.Errorf("DeriveEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// envTestVault makes a vault with a few secrets for alice.
func envTestVault(t *testing.T) (string, *crypto.Identity) {
	t.Helper()
	id, err := crypto.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	v, dir := initTestVault(t, id, nil)
	for _, name := range []string{"app/a", "app/b", "app/c", "db/password"} {
		if _, err := v.Set(name, []byte("value of "+name), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return dir, id
}

func environmentOf(t *testing.T, dir string, id *crypto.Identity, sel Selector) (*Environment, error) {
	t.Helper()
	v, err := Open(dir, Options{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	return v.Environment(sel)
}

// On a fresh clone (no local state) the files are opened while the journal
// is verified; the result is the same as with the state in place.
func TestEnvironmentColdMatchesWarm(t *testing.T) {
	dir, id := envTestVault(t)
	for _, sel := range []Selector{{}, {Prefix: "app/"}, {Only: []string{"db/password", "app/b"}}} {
		if err := forgetCloneState(dir); err != nil {
			t.Fatal(err)
		}
		cold, err := environmentOf(t, dir, id, sel)
		if err != nil {
			t.Fatal(err)
		}
		warm, err := environmentOf(t, dir, id, sel)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cold, warm) || len(cold.Vars) == 0 {
			t.Fatalf("selector %+v: cold %+v, warm %+v", sel, cold, warm)
		}
	}
}

// On a fresh clone, a secret file replaced by an older version of itself
// (a valid age file the identity opens) fails: what was opened early is
// not trusted.
func TestEnvironmentColdRefusesOldVersion(t *testing.T) {
	dir, id := envTestVault(t)
	path := filepath.Join(dir, "secrets", "app", "b.secret")
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(dir, Options{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Set("app/b", []byte("new value"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	v.Close()
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := forgetCloneState(dir); err != nil {
		t.Fatal(err)
	}
	if env, err := environmentOf(t, dir, id, Selector{}); !errors.Is(err, ErrVerify) {
		t.Fatalf("got %v, %v; want a verification error", env, err)
	}
}

// An early result whose bytes the verified journal does not record is
// opened again, from the file as it is, and checked.
func TestOpenVerifiedReopensWhatChanged(t *testing.T) {
	dir, id := envTestVault(t)
	v, err := Open(dir, Options{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	st, err := v.verifiedForRead()
	if err != nil {
		t.Fatal(err)
	}
	good := v.openMany([]string{"app/a"}, nil, st, v.readerView())[0]
	if good.err != nil || string(good.value) != "value of app/a" {
		t.Fatalf("open app/a: %v %q", good.err, good.value)
	}
	stale := good
	stale.sum[0] ^= 1
	stale.value = []byte("stale value")
	got := v.openVerified([]string{"app/a", "app/b"}, map[string]opened{"app/a": stale, "app/b": {err: ErrVerify}}, nil, st)
	if string(got[0].value) != "value of app/a" || got[0].err != nil {
		t.Fatalf("app/a: took the early result with the wrong hash: %q %v", got[0].value, got[0].err)
	}
	if string(got[1].value) != "value of app/b" || got[1].err != nil {
		t.Fatalf("app/b: an early result that was not read was not opened again: %q %v", got[1].value, got[1].err)
	}
	marked := good
	marked.value = []byte("opened early") // to tell it apart
	if got := v.openVerified([]string{"app/a"}, map[string]opened{"app/a": marked}, nil, st); string(got[0].value) != "opened early" {
		t.Fatalf("an early result with the recorded hash was opened again: %q", got[0].value)
	}
}

// Verification takes the hashes of files read moments before instead of
// reading them again, and only when they are the recorded ones.
func TestVerifyUsesFilesReadBefore(t *testing.T) {
	dir, id := envTestVault(t)
	v, err := Open(dir, Options{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	read := v.openMany([]string{"app/a", "app/b"}, nil, nil, v.readerView())
	hashes := map[string]string{"app/a": read[0].hash(), "app/b": "sha256:" + strings.Repeat("0", 64)}
	path := filepath.Join(dir, "secrets", "app", "a.secret")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	verify := func(opts VerifyOptions) []Finding {
		t.Helper()
		var rep *VerifyReport
		if err := v.withLock(func() (err error) { rep, err = v.verifyLocked(opts); return err }); err != nil {
			t.Fatal(err)
		}
		return rep.Findings
	}
	if f := verify(VerifyOptions{readFiles: func() map[string]string { return hashes }}); len(f) != 0 {
		t.Fatalf("with the hashes read before: %v", f)
	}
	if f := verify(VerifyOptions{}); len(f) != 1 || f[0].File != "secrets/app/a.secret" {
		t.Fatalf("reading the files: %v, want one finding about app/a", f)
	}
}

// On a fresh clone, secrets the identity cannot read are skipped when a
// glob chose them and refused when named, exactly as with local state.
func TestEnvironmentColdSkipsWhatItCannotRead(t *testing.T) {
	dir, v, _, bob := sharedVault(t)
	for _, name := range []string{"shared/a", "shared/b", "admin/x"} {
		if _, err := v.Set(name, []byte("value of "+name), SetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	v.Close()
	for _, warm := range []bool{false, true} {
		if !warm {
			if err := forgetCloneState(dir); err != nil {
				t.Fatal(err)
			}
		}
		env, err := environmentOf(t, dir, bob, Selector{})
		if err != nil {
			t.Fatalf("warm=%v: %v", warm, err)
		}
		if len(env.Vars) != 2 || len(env.Skipped) != 1 || env.Skipped[0].Name != "admin/x" {
			t.Fatalf("warm=%v: vars %v, skipped %v", warm, env.Vars, env.Skipped)
		}
	}
	if err := forgetCloneState(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := environmentOf(t, dir, bob, Selector{Only: []string{"admin/x"}}); !errors.Is(err, ErrNoAccess) {
		t.Fatalf("named and unreadable, cold: %v", err)
	}
}

// A file whose header does not name the identity's member is passed over,
// not decrypted (trying would cost an unwrap per stanza), on a fresh clone
// and with local state alike: the signed header decides, even for a file
// that, against its header, holds a stanza for the identity. (Its stanza
// count matches its readers, which verification checks: a file with a
// stanza more than its readers is refused outright.)
func TestEnvironmentPassesOverFilesNotNamingUs(t *testing.T) {
	dir, v, _, bob := sharedVault(t)
	if _, err := v.Set("shared/a", []byte("for both"), SetOptions{}); err != nil {
		t.Fatal(err)
	}
	// admin/x: readers [alice] in the header and the journal, but sealed to
	// bob instead.
	err := v.withLock(func() error {
		h := format.SecretHeader{Name: "admin/x", Version: 1, Created: v.timeNow(), Updated: v.timeNow(), Readers: format.Names{"alice"}}
		sf, err := format.NewSecretFile(h)
		if err != nil {
			return err
		}
		payload := format.MarshalPayload(crypto.HashHex(sf.HeaderBytes), []byte("alice only"))
		if sf.Armored, err = v.sealer.Encrypt([]string{bob.Recipient()}, payload); err != nil {
			return err
		}
		file := sf.Marshal()
		_, err = v.commit("alice", change{
			Entry: format.Entry{Action: format.ActionSet, Target: "admin/x", File: crypto.FileHash(file),
				Details: &format.Details{Version: 1, Readers: h.Readers}},
			Files: []fileChange{{Rel: secretPath("admin/x"), Data: file}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	for _, cold := range []bool{true, false} {
		if cold {
			if err := forgetCloneState(dir); err != nil {
				t.Fatal(err)
			}
		}
		env, err := environmentOf(t, dir, bob, Selector{})
		if err != nil {
			t.Fatalf("cold=%v: %v", cold, err)
		}
		if len(env.Vars) != 1 || env.Vars[0].Secret != "shared/a" || len(env.Skipped) != 1 || env.Skipped[0].Name != "admin/x" {
			t.Fatalf("cold=%v: vars %v, skipped %v", cold, env.Vars, env.Skipped)
		}
	}
	r, err := Open(dir, Options{Identity: bob})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if value, _, err := r.Get("admin/x"); !errors.Is(err, ErrNoAccess) {
		t.Fatalf("get admin/x as bob: %q, %v; want no access", value, err)
	}
}

// sharedVault makes a vault of two members: alice, the admin, reads all;
// bob reads shared/**. The caller closes v.
func sharedVault(t *testing.T) (string, *Vault, *crypto.Identity, *crypto.Identity) {
	t.Helper()
	alice, bob := mustIdentity(t), mustIdentity(t)
	dir := filepath.Join(t.TempDir(), DirName)
	v, err := Init(dir, InitOptions{Member: "alice", Identity: alice})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.MemberAdd("bob", bob.Recipient(), bob.Signer(), nil); err != nil {
		t.Fatal(err)
	}
	next := v.Policy.Clone()
	next.Rules = append([]format.Rule{{Path: "shared/**", Read: format.Names{"admins", "bob"}, Write: format.Names{"admins"}}}, next.Rules...)
	if err := v.ApplyPolicy(next.Marshal()); err != nil {
		t.Fatal(err)
	}
	return dir, v, alice, bob
}

// forgetCloneState removes the per-clone state of the vault in dir, as on a
// fresh clone.
func forgetCloneState(dir string) error {
	v, err := Open(dir, Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	sd, err := cloneStateDir(v.Dir, v.File.ID)
	if err != nil {
		return err
	}
	return os.RemoveAll(sd)
}
