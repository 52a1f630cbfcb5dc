package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The [postgres] condition: with the server missing, a developer's run
// skips the PostgreSQL scenarios but a CI run fails (a gate that silently
// skips is no gate).
func TestPostgresConditionFailsInCI(t *testing.T) {
	notFound := func(string) (string, error) { return "", exec.ErrNotFound }
	_, err := findPGTools("", filepath.Join(t.TempDir(), "*", "bin"), notFound)
	if err == nil || !strings.Contains(err.Error(), "initdb, pg_ctl, postgres, psql") {
		t.Fatalf("findPGTools with nothing installed: %v", err)
	}
	for _, tc := range []struct {
		ci      string
		wantErr bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}} {
		ok, cerr := postgresPresent(err, tc.ci)
		if ok || (cerr != nil) != tc.wantErr {
			t.Errorf("CI=%q, server missing: (%v, %v), want an error: %v", tc.ci, ok, cerr, tc.wantErr)
		}
	}
	if ok, cerr := postgresPresent(nil, "true"); !ok || cerr != nil {
		t.Errorf("server present in CI: (%v, %v)", ok, cerr)
	}
	if _, err := findPGTools("", "", func(name string) (string, error) { return "/opt/pg/" + name, nil }); err != nil {
		t.Errorf("tools on PATH: %v", err)
	}
}
