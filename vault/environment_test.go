package vault

import (
	"path/filepath"
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
		h := format.SecretHeader{Name: name, Version: 1, Created: now, Updated: now,
			Rotation: &format.Rotation{Every: "90d", Rotated: now.AddDate(0, -6, 0), Expires: expires}}
		err := v.withLock(func() error {
			file, err := v.seal(&h, []byte("value of "+name))
			if err != nil {
				return err
			}
			_, err = v.commit("alice", change{
				Entry: format.Entry{Action: format.ActionSet, Target: name, File: crypto.FileHash(file),
					Details: &format.Details{Version: 1, Readers: h.Readers}},
				Files: []fileChange{{Rel: secretPath(name), Data: file}},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
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
