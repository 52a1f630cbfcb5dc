package crypto_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/tresor-dev/tresor/crypto"
)

// fakeSource returns text, or err, and records that it was asked.
type fakeSource struct {
	name  string
	text  string
	err   error
	asked *[]string
}

func (s fakeSource) Name() string { return s.name }

func (s fakeSource) Load() ([]byte, error) {
	if s.asked != nil {
		*s.asked = append(*s.asked, s.name)
	}
	if s.err != nil {
		return nil, s.err
	}
	return []byte(s.text), nil
}

func TestFindIdentityOrder(t *testing.T) {
	first := mustGenerate(t, true)
	second := mustGenerate(t, false)
	var asked []string
	unavailable := fmt.Errorf("OS keyring %w (no D-Bus session bus)", crypto.ErrUnavailable)
	sources := []crypto.Source{
		fakeSource{name: "flag", err: crypto.ErrAbsent, asked: &asked},
		fakeSource{name: "env", err: fmt.Errorf("wrapped: %w", crypto.ErrAbsent), asked: &asked},
		fakeSource{name: "keyring", err: unavailable, asked: &asked},
		fakeSource{name: "config", text: first.FileText(), asked: &asked},
		fakeSource{name: "ssh", text: second.FileText(), asked: &asked},
	}
	found, err := crypto.FindIdentity(sources, crypto.ParseOptions{})
	if err != nil {
		t.Fatalf("FindIdentity: %v", err)
	}
	if found.Source != "config" || found.Recipient() != first.Recipient() {
		t.Errorf("found %q from %s, want %q from config", found.Recipient(), found.Source, first.Recipient())
	}
	if want := []string{"flag", "env", "keyring", "config"}; !slices.Equal(asked, want) {
		t.Errorf("sources asked %q, want %q (none after the first with text)", asked, want)
	}
	if len(found.Notes) != 1 || found.Notes[0] != unavailable.Error() {
		t.Errorf("Notes = %q, want the unavailable keyring's message", found.Notes)
	}

	// Each source in turn wins when those before it are absent.
	for i := range sources {
		asked = nil
		srcs := slices.Clone(sources)
		srcs[i] = fakeSource{name: "winner", text: fixedIdentity, asked: &asked}
		found, err := crypto.FindIdentity(srcs, crypto.ParseOptions{})
		if i <= 3 {
			if err != nil || found.Source != "winner" || found.Recipient() != fixedRecipient {
				t.Errorf("winner at %d: found %v, %v", i, found, err)
			}
		}
	}
}

func TestFindIdentityNone(t *testing.T) {
	unavailable := fmt.Errorf("OS keyring %w (no Secret Service running?)", crypto.ErrUnavailable)
	sources := []crypto.Source{
		fakeSource{name: "TRESOR_IDENTITY", err: crypto.ErrAbsent},
		fakeSource{name: "OS keyring", err: unavailable},
		fakeSource{name: "/home/u/.config/tresor/identity", err: crypto.ErrAbsent},
		fakeSource{name: "/home/u/.ssh/id_ed25519", err: crypto.ErrAbsent},
	}
	_, err := crypto.FindIdentity(sources, crypto.ParseOptions{})
	var none *crypto.NoIdentityError
	if !errors.As(err, &none) {
		t.Fatalf("FindIdentity = %v, want *NoIdentityError", err)
	}
	want := []string{"TRESOR_IDENTITY", "OS keyring (unavailable)", "/home/u/.config/tresor/identity", "/home/u/.ssh/id_ed25519"}
	if !slices.Equal(none.Tried, want) {
		t.Errorf("Tried = %q, want %q", none.Tried, want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}

	if _, err := crypto.FindIdentity(nil, crypto.ParseOptions{}); !errors.As(err, &none) || len(none.Tried) != 0 {
		t.Errorf("no sources: %v, want *NoIdentityError with nothing tried", err)
	}
}

func TestFindIdentityErrors(t *testing.T) {
	ioErr := errors.New("reading identity file /x: permission denied")
	for _, tc := range []struct {
		name    string
		sources []crypto.Source
		check   func(t *testing.T, err error)
	}{
		{
			name: "unparseable text stops the search",
			sources: []crypto.Source{
				fakeSource{name: "TRESOR_IDENTITY", text: "SECRETMATERIAL not a key"},
				fakeSource{name: "next", text: fixedIdentity},
			},
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "TRESOR_IDENTITY") {
					t.Errorf("error %q does not name the source", err)
				}
				if strings.Contains(err.Error(), "SECRETMATERIAL") {
					t.Errorf("error %q contains the identity text", err)
				}
			},
		},
		{
			name: "other source error stops the search",
			sources: []crypto.Source{
				fakeSource{name: "file", err: ioErr},
				fakeSource{name: "next", text: fixedIdentity},
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ioErr) {
					t.Errorf("error = %v, want the source's", err)
				}
			},
		},
		{
			name: "missing named file stops the search",
			sources: []crypto.Source{
				crypto.FileSource{Path: filepath.Join(t.TempDir(), "typo"), Label: "--identity typo", Named: true},
				fakeSource{name: "next", text: fixedIdentity},
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, crypto.ErrNamedFileMissing) || !strings.Contains(err.Error(), "--identity typo") {
					t.Errorf("error = %v, want ErrNamedFileMissing naming the flag", err)
				}
			},
		},
		{
			name: "passphrase-protected without a terminal",
			sources: []crypto.Source{
				fakeSource{name: "ssh", text: "age-encryption.org/v1\n-> scrypt xx 10\n"},
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, crypto.ErrPassphraseNeeded) {
					t.Errorf("error = %v, want ErrPassphraseNeeded through the wrap", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, err := crypto.FindIdentity(tc.sources, crypto.ParseOptions{})
			if err == nil {
				t.Fatalf("FindIdentity found %s in %s, want an error", found.Recipient(), found.Source)
			}
			tc.check(t, err)
		})
	}
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "identity")
	if err := os.WriteFile(present, []byte(fixedIdentity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")

	t.Run("present", func(t *testing.T) {
		for _, named := range []bool{false, true} {
			b, err := crypto.FileSource{Path: present, Named: named}.Load()
			if err != nil || string(b) != fixedIdentity+"\n" {
				t.Errorf("Named %v: Load = %q, %v", named, b, err)
			}
		}
	})
	t.Run("missing default place", func(t *testing.T) {
		if _, err := (crypto.FileSource{Path: missing}).Load(); !errors.Is(err, crypto.ErrAbsent) {
			t.Errorf("Load = %v, want ErrAbsent", err)
		}
	})
	t.Run("missing named file", func(t *testing.T) {
		src := crypto.FileSource{Path: missing, Label: "TRESOR_IDENTITY_FILE=" + missing, Named: true}
		_, err := src.Load()
		if !errors.Is(err, crypto.ErrNamedFileMissing) {
			t.Fatalf("Load = %v, want ErrNamedFileMissing", err)
		}
		if errors.Is(err, crypto.ErrAbsent) {
			t.Errorf("a missing named file must not read as absent: the next source would be used")
		}
		if !strings.Contains(err.Error(), src.Name()) {
			t.Errorf("error %q does not name %q", err, src.Name())
		}
	})
	t.Run("missing parent directory", func(t *testing.T) {
		if _, err := (crypto.FileSource{Path: filepath.Join(missing, "identity")}).Load(); !errors.Is(err, crypto.ErrAbsent) {
			t.Errorf("Load = %v, want ErrAbsent", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		_, err := crypto.FileSource{Path: dir}.Load()
		if err == nil || errors.Is(err, crypto.ErrAbsent) {
			t.Fatalf("Load of a directory = %v, want a read error", err)
		}
		if !errors.Is(err, syscall.EISDIR) || !strings.Contains(err.Error(), dir) {
			t.Errorf("error = %v, want EISDIR naming the path", err)
		}
	})
	t.Run("names", func(t *testing.T) {
		if n := (crypto.FileSource{Path: "/p"}).Name(); n != "/p" {
			t.Errorf("Name = %q, want the path", n)
		}
		if n := (crypto.FileSource{Path: "/p", Label: "--identity /p"}).Name(); n != "--identity /p" {
			t.Errorf("Name = %q, want the label", n)
		}
	})
}

func TestEnvSource(t *testing.T) {
	for _, tc := range []struct {
		value  string
		absent bool
	}{{"", true}, {"  \n\t", true}, {fixedIdentity, false}, {"garbage", false}} {
		b, err := crypto.EnvSource{Var: "TRESOR_IDENTITY", Value: tc.value}.Load()
		if tc.absent != errors.Is(err, crypto.ErrAbsent) {
			t.Errorf("Load(%q) = %q, %v; absent %v", tc.value, b, err, tc.absent)
		}
		if !tc.absent && string(b) != tc.value {
			t.Errorf("Load(%q) = %q", tc.value, b)
		}
	}
	if n := (crypto.EnvSource{Var: "TRESOR_IDENTITY"}).Name(); n != "TRESOR_IDENTITY" {
		t.Errorf("Name = %q", n)
	}
}

// fakeKeyring is a Keyring in memory.
type fakeKeyring struct {
	text   string
	getErr error
	setErr error
	sets   int
}

func (k *fakeKeyring) Get() (string, error) {
	if k.getErr != nil {
		return "", k.getErr
	}
	if k.text == "" {
		return "", crypto.ErrAbsent
	}
	return k.text, nil
}

func (k *fakeKeyring) Set(text string) error {
	k.sets++
	if k.setErr != nil {
		return k.setErr
	}
	k.text = text
	return nil
}

func names(srcs []crypto.Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.Name())
	}
	return out
}

func TestDefaultSources(t *testing.T) {
	home := t.TempDir()
	getenv := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	kr := &fakeKeyring{}
	for _, tc := range []struct {
		name string
		flag string
		vars map[string]string
		home string
		kr   crypto.Keyring
		want []string
	}{
		{
			name: "everything",
			flag: "/flag/id",
			vars: map[string]string{"TRESOR_IDENTITY_FILE": "/env/id", "XDG_CONFIG_HOME": "/xdg"},
			home: home,
			kr:   kr,
			want: []string{"--identity /flag/id", "TRESOR_IDENTITY", "TRESOR_IDENTITY_FILE=/env/id", "OS keyring", "/xdg/tresor/identity", home + "/.ssh/id_ed25519"},
		},
		{
			name: "defaults",
			home: home,
			kr:   kr,
			want: []string{"TRESOR_IDENTITY", "OS keyring", home + "/.config/tresor/identity", home + "/.ssh/id_ed25519"},
		},
		{
			name: "no keyring",
			home: home,
			want: []string{"TRESOR_IDENTITY", home + "/.config/tresor/identity", home + "/.ssh/id_ed25519"},
		},
		{
			name: "no home",
			want: []string{"TRESOR_IDENTITY"},
		},
		{
			name: "no home, XDG set",
			vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"},
			want: []string{"TRESOR_IDENTITY", "/xdg/tresor/identity"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := crypto.Env{Getenv: getenv(tc.vars), Home: tc.home}
			got := names(crypto.DefaultSources(tc.flag, env, tc.kr))
			if !slices.Equal(got, tc.want) {
				t.Errorf("DefaultSources =\n\t%q\nwant\n\t%q", got, tc.want)
			}
		})
	}
}

// TestDefaultSourcesFind runs FindIdentity over DefaultSources with real
// files in a temporary home, filling the places from last to first: each
// new one must win.
func TestDefaultSourcesFind(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{}
	env := crypto.Env{Getenv: func(k string) string { return vars[k] }, Home: home}
	kr := &fakeKeyring{}
	find := func() *crypto.Found {
		t.Helper()
		found, err := crypto.FindIdentity(crypto.DefaultSources(vars["flag"], env, kr), crypto.ParseOptions{})
		if err != nil {
			t.Fatalf("FindIdentity: %v", err)
		}
		return found
	}
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	_, err := crypto.FindIdentity(crypto.DefaultSources("", env, kr), crypto.ParseOptions{})
	var none *crypto.NoIdentityError
	if !errors.As(err, &none) || len(none.Tried) != 4 {
		t.Fatalf("empty home: %v, want *NoIdentityError with 4 places", err)
	}

	sshPath := filepath.Join(home, ".ssh", "id_ed25519")
	write(sshPath, string(testSSHKeys().ed25519PEM))
	if f := find(); f.Source != sshPath || f.Kind() != crypto.KindSSHEd25519 {
		t.Errorf("found %s in %s, want ssh key in %s", f.Kind(), f.Source, sshPath)
	}

	configPath := filepath.Join(home, ".config", "tresor", "identity")
	config := mustGenerate(t, true)
	write(configPath, config.FileText())
	if f := find(); f.Source != configPath || f.Recipient() != config.Recipient() {
		t.Errorf("found %s, want the config identity from %s", f.Source, configPath)
	}

	xdg := filepath.Join(home, "xdg")
	vars["XDG_CONFIG_HOME"] = xdg
	xdgID := mustGenerate(t, true)
	write(filepath.Join(xdg, "tresor", "identity"), xdgID.FileText())
	if f := find(); f.Recipient() != xdgID.Recipient() {
		t.Errorf("found %s, want the XDG_CONFIG_HOME identity", f.Source)
	}

	keyringID := mustGenerate(t, false)
	kr.text = keyringID.SecretText()
	if f := find(); f.Source != "OS keyring" || f.Recipient() != keyringID.Recipient() {
		t.Errorf("found %s, want the keyring identity", f.Source)
	}

	fileID := mustGenerate(t, true)
	envFile := filepath.Join(home, "env-identity")
	write(envFile, fileID.FileText())
	vars["TRESOR_IDENTITY_FILE"] = envFile
	if f := find(); f.Source != "TRESOR_IDENTITY_FILE="+envFile || f.Recipient() != fileID.Recipient() {
		t.Errorf("found %s, want TRESOR_IDENTITY_FILE", f.Source)
	}

	envID := mustGenerate(t, true)
	vars["TRESOR_IDENTITY"] = envID.SecretText()
	if f := find(); f.Source != "TRESOR_IDENTITY" || f.Recipient() != envID.Recipient() {
		t.Errorf("found %s, want TRESOR_IDENTITY", f.Source)
	}

	flagPath := filepath.Join(home, "flag-identity")
	flagID := mustGenerate(t, true)
	write(flagPath, flagID.FileText())
	vars["flag"] = flagPath
	if f := find(); f.Source != "--identity "+flagPath || f.Recipient() != flagID.Recipient() {
		t.Errorf("found %s, want --identity", f.Source)
	}

	// A named file that is missing is an error, even with every later
	// place holding an identity.
	typo := filepath.Join(home, "typo")
	vars["flag"] = typo
	if _, err := crypto.FindIdentity(crypto.DefaultSources(vars["flag"], env, kr), crypto.ParseOptions{}); !errors.Is(err, crypto.ErrNamedFileMissing) {
		t.Errorf("--identity names a missing file: error = %v, want ErrNamedFileMissing", err)
	}
	vars["flag"], vars["TRESOR_IDENTITY"], vars["TRESOR_IDENTITY_FILE"] = "", "", typo
	if _, err := crypto.FindIdentity(crypto.DefaultSources(vars["flag"], env, kr), crypto.ParseOptions{}); !errors.Is(err, crypto.ErrNamedFileMissing) {
		t.Errorf("TRESOR_IDENTITY_FILE names a missing file: error = %v, want ErrNamedFileMissing", err)
	}
	if _, err := os.Stat(filepath.Join(home, "typo")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("looking up an identity created a file")
	}
}

func TestIdentityFilePath(t *testing.T) {
	for _, tc := range []struct {
		xdg, home, want string
	}{
		{"/xdg", "/home/u", "/xdg/tresor/identity"},
		{"", "/home/u", "/home/u/.config/tresor/identity"},
		{"", "", ""},
	} {
		env := crypto.Env{Getenv: func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return tc.xdg
			}
			return ""
		}, Home: tc.home}
		if got := crypto.IdentityFilePath(env); got != tc.want {
			t.Errorf("IdentityFilePath(xdg %q, home %q) = %q, want %q", tc.xdg, tc.home, got, tc.want)
		}
	}
}
