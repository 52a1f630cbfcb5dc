package githook

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const foreign = "#!/bin/sh\necho the team's hook\n"

// state is a hooks directory: file name to content ("" = absent).
type state struct{ hook, chained string }

func readState(t *testing.T, dir string) state {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return state{read(hookName), read(chainedName)}
}

func writeState(t *testing.T, dir string, s state) {
	t.Helper()
	for name, body := range map[string]string{hookName: s.hook, chainedName: s.chained} {
		if body != "" {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestInstall(t *testing.T) {
	ours := string(Hook{}.Script())
	tests := []struct {
		name   string
		before state
		force  bool
		after  state
		want   Installed // Path and Chained as base names
		err    error
	}{
		{"no hook", state{}, false, state{hook: ours}, Installed{Path: hookName}, nil},
		{"foreign hook is chained", state{hook: foreign}, false, state{ours, foreign}, Installed{Path: hookName, Chained: chainedName}, nil},
		{"again keeps the chain", state{ours, foreign}, false, state{ours, foreign}, Installed{Path: hookName, Chained: chainedName, Updated: true}, nil},
		{"force replaces", state{hook: foreign}, true, state{hook: ours}, Installed{Path: hookName, Replaced: true}, nil},
		{"force drops the chain", state{ours, foreign}, true, state{hook: ours}, Installed{Path: hookName, Replaced: true}, nil},
		{"two foreign hooks", state{foreign, foreign}, false, state{foreign, foreign}, Installed{Path: hookName}, ErrNotOurs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeState(t, dir, tt.before)
			got, err := Install(dir, Hook{}, tt.force)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			got.Path = filepath.Base(got.Path)
			if got.Chained != "" {
				got.Chained = filepath.Base(got.Chained)
			}
			if got != tt.want {
				t.Errorf("Install = %+v, want %+v", got, tt.want)
			}
			if s := readState(t, dir); s != tt.after {
				t.Errorf("after: %+v, want %+v", s, tt.after)
			}
		})
	}
}

func TestUninstall(t *testing.T) {
	ours := string(Hook{}.Script())
	tests := []struct {
		name   string
		before state
		after  state
		want   Uninstalled
		err    error
	}{
		{"nothing", state{}, state{}, Uninstalled{}, nil},
		{"ours alone", state{hook: ours}, state{}, Uninstalled{Path: hookName}, nil},
		{"restores the chained hook", state{ours, foreign}, state{hook: foreign}, Uninstalled{Path: hookName, Restored: true}, nil},
		{"ours deleted by hand", state{chained: foreign}, state{hook: foreign}, Uninstalled{Restored: true}, nil},
		{"foreign hook left alone", state{hook: foreign}, state{hook: foreign}, Uninstalled{}, ErrNotOurs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeState(t, dir, tt.before)
			got, err := Uninstall(dir)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got.Path != "" {
				got.Path = filepath.Base(got.Path)
			}
			if got != tt.want {
				t.Errorf("Uninstall = %+v, want %+v", got, tt.want)
			}
			if s := readState(t, dir); s != tt.after {
				t.Errorf("after: %+v, want %+v", s, tt.after)
			}
		})
	}
}

func TestScriptQuotesTheVault(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	vault := `it's $HOME/"x"/.tresor`
	script := string(Hook{Vault: vault}.Script())
	line := ""
	for l := range strings.Lines(script) {
		if strings.HasPrefix(l, "TRESOR_VAULT=") {
			line = l
		}
	}
	out, err := exec.Command("sh", "-c", line+`printf %s "$TRESOR_VAULT"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != vault {
		t.Errorf("sh reads TRESOR_VAULT as %q, want %q", out, vault)
	}
	if strings.Contains(string(Hook{}.Script()), "TRESOR_VAULT") {
		t.Error("a vault at the top of the work tree is named in the hook")
	}
	if !strings.Contains(string(Hook{Scan: true}.Script()), "\ntresor scan --staged || exit $?\n") {
		t.Error("Scan: the hook does not run tresor scan --staged")
	}
}

func TestVaultPath(t *testing.T) {
	top := t.TempDir()
	tests := []struct{ vault, want string }{
		{filepath.Join(top, ".tresor"), ""},
		{filepath.Join(top, "service", ".tresor"), "service/.tresor"},
		{filepath.Join(filepath.Dir(top), "elsewhere", ".tresor"), filepath.Join(filepath.Dir(top), "elsewhere", ".tresor")},
	}
	for _, tt := range tests {
		if got := VaultPath(top, tt.vault); got != tt.want {
			t.Errorf("VaultPath(%q) = %q, want %q", tt.vault, got, tt.want)
		}
	}
}
