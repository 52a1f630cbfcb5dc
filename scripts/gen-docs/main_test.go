package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The release archives' man page and completion scripts are generated from
// the command definitions: every command is in the man page, and each
// script is the one tresor completion prints.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatal(err)
	}
	man, err := os.ReadFile(filepath.Join(dir, "man", "tresor.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".TH tresor 1", "local-first secrets vault", ".SH tresor policy edit", "edit the policy in $VISUAL or $EDITOR", "Examples:", "tresor policy apply --yes .tresor/policy.yaml", "EXIT CODES", "\\fB--vault\\fP"} {
		if !strings.Contains(string(man), want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	for name, want := range map[string]string{"tresor.bash": "complete -o bashdefault", "_tresor": "#compdef tresor", "tresor.fish": "complete -c tresor"} {
		b, err := os.ReadFile(filepath.Join(dir, "completions", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("completions/%s lacks %q", name, want)
		}
	}
}
