package crypto_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/tresor-dev/tresor/crypto"
)

func TestSaveIdentityKeyring(t *testing.T) {
	id := mustGenerate(t, false)
	path := filepath.Join(t.TempDir(), "tresor", "identity")
	kr := &fakeKeyring{}
	where, note, err := crypto.SaveIdentity(id, kr, path)
	if err != nil {
		t.Fatalf("SaveIdentity: %v", err)
	}
	if where != "OS keyring" || note != "" {
		t.Errorf("SaveIdentity = %q, %q; want OS keyring and no note", where, note)
	}
	if kr.text != id.SecretText() {
		t.Errorf("keyring holds %.20q, want the identity's secret text", kr.text)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written too: %v", err)
	}
	// What went in comes back out as the same identity.
	found, err := crypto.FindIdentity([]crypto.Source{crypto.KeyringSource{Keyring: kr}}, crypto.ParseOptions{})
	if err != nil || found.Recipient() != id.Recipient() || found.Signer() != id.Signer() || found.Source != "OS keyring" {
		t.Errorf("FindIdentity(keyring) = %v, %v", found, err)
	}
}

func TestSaveIdentityFallback(t *testing.T) {
	unavailable := fmt.Errorf("OS keyring %w (no D-Bus session bus)", crypto.ErrUnavailable)
	for _, tc := range []struct {
		name     string
		kr       crypto.Keyring
		wantNote bool
	}{
		{"keyring unavailable", &fakeKeyring{setErr: unavailable}, true},
		{"no keyring", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := mustGenerate(t, true)
			dir := filepath.Join(t.TempDir(), "config", "tresor")
			path := filepath.Join(dir, "identity")
			where, note, err := crypto.SaveIdentity(id, tc.kr, path)
			if err != nil {
				t.Fatalf("SaveIdentity: %v", err)
			}
			if where != path {
				t.Errorf("where = %q, want %q", where, path)
			}
			if tc.wantNote {
				if note == "" || strings.Contains(note, "\n") {
					t.Errorf("note = %q, want one line", note)
				}
				if !strings.Contains(note, path) || !strings.Contains(note, unavailable.Error()) {
					t.Errorf("note %q does not say why and where", note)
				}
			} else if note != "" {
				t.Errorf("note = %q, want none", note)
			}
			if strings.Contains(note, id.SecretText()) {
				t.Errorf("note contains the secret")
			}

			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("identity file mode %v, want 0600", fi.Mode().Perm())
			}
			if di, err := os.Stat(dir); err != nil || di.Mode().Perm()&0o077 != 0 {
				t.Errorf("directory mode %v, %v: want no group or other access", di.Mode().Perm(), err)
			}
			b, _ := os.ReadFile(path)
			if string(b) != id.FileText() {
				t.Errorf("file holds %q, want FileText()", b)
			}
			if back := mustParseBytes(t, b); back.Recipient() != id.Recipient() || back.Signer() != id.Signer() {
				t.Errorf("the file does not parse back to the identity")
			}
		})
	}
}

func TestSaveIdentityNeverOverwrites(t *testing.T) {
	unavailable := fmt.Errorf("OS keyring %w", crypto.ErrUnavailable)
	path := filepath.Join(t.TempDir(), "identity")
	old := "# an identity the user already has\n" + fixedIdentity + "\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kr := range []crypto.Keyring{nil, &fakeKeyring{setErr: unavailable}} {
		where, _, err := crypto.SaveIdentity(mustGenerate(t, true), kr, path)
		if err == nil {
			t.Fatalf("SaveIdentity over an existing file succeeded (%s)", where)
		}
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("error = %v, want ErrExist naming the path", err)
		}
		if b, _ := os.ReadFile(path); string(b) != old {
			t.Fatalf("the existing identity file was changed")
		}
	}
}

func TestSaveIdentityErrors(t *testing.T) {
	id := mustGenerate(t, true)
	t.Run("keyring error other than unavailable", func(t *testing.T) {
		denied := errors.New("keyring: access denied by user")
		path := filepath.Join(t.TempDir(), "identity")
		if _, _, err := crypto.SaveIdentity(id, &fakeKeyring{setErr: denied}, path); !errors.Is(err, denied) {
			t.Errorf("error = %v, want the keyring's", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("fell back to a file on a keyring error that is not ErrUnavailable")
		}
	})
	t.Run("nowhere", func(t *testing.T) {
		unavailable := fmt.Errorf("OS keyring %w", crypto.ErrUnavailable)
		for _, kr := range []crypto.Keyring{nil, &fakeKeyring{setErr: unavailable}} {
			if where, _, err := crypto.SaveIdentity(id, kr, ""); err == nil {
				t.Errorf("SaveIdentity with no path succeeded (%s)", where)
			}
		}
	})
	t.Run("parent is a file", func(t *testing.T) {
		parent := filepath.Join(t.TempDir(), "file")
		os.WriteFile(parent, nil, 0o600)
		_, _, err := crypto.SaveIdentity(id, nil, filepath.Join(parent, "identity"))
		if err == nil || strings.Contains(err.Error(), id.SecretText()) {
			t.Errorf("error = %v", err)
		}
	})
}

// The OS keyring tests use go-keyring's in-memory mock, never the real
// keyring of the machine running them.

func TestOSKeyringMock(t *testing.T) {
	keyring.MockInit()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tresor-test-bus")

	kr := crypto.OSKeyring{}
	if _, err := kr.Get(); !errors.Is(err, crypto.ErrAbsent) {
		t.Fatalf("Get on an empty keyring = %v, want ErrAbsent", err)
	}
	id := mustGenerate(t, true)
	if err := kr.Set(id.SecretText()); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := kr.Get()
	if err != nil || got != id.SecretText() {
		t.Fatalf("Get = %.20q, %v; want what Set stored", got, err)
	}
	if raw, err := keyring.Get(crypto.KeyringService, crypto.KeyringUser); err != nil || raw != id.SecretText() {
		t.Errorf("stored under service %q user %q: %v", crypto.KeyringService, crypto.KeyringUser, err)
	}

	// SaveIdentity and DefaultSources go through it.
	other := mustGenerate(t, false)
	path := filepath.Join(t.TempDir(), "identity")
	if where, note, err := crypto.SaveIdentity(other, kr, path); err != nil || where != "OS keyring" || note != "" {
		t.Fatalf("SaveIdentity = %q, %q, %v", where, note, err)
	}
	env := crypto.Env{Getenv: func(string) string { return "" }}
	found, err := crypto.FindIdentity(crypto.DefaultSources("", env, kr), crypto.ParseOptions{})
	if err != nil || found.Recipient() != other.Recipient() || found.Source != "OS keyring" {
		t.Errorf("FindIdentity = %v, %v; want the saved identity from the keyring", found, err)
	}
}

func TestOSKeyringErrorsAreUnavailable(t *testing.T) {
	raw := errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files")
	keyring.MockInitWithError(raw)
	t.Cleanup(keyring.MockInit)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tresor-test-bus")

	kr := crypto.OSKeyring{}
	_, getErr := kr.Get()
	setErr := kr.Set("x")
	for name, err := range map[string]error{"Get": getErr, "Set": setErr} {
		if !errors.Is(err, crypto.ErrUnavailable) {
			t.Errorf("%s = %v, want ErrUnavailable", name, err)
			continue
		}
		if strings.Contains(err.Error(), "freedesktop") {
			t.Errorf("%s error %q passes the raw D-Bus error up", name, err)
		}
	}
}

func TestOSKeyringNoSessionBus(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("the session bus check is for Secret Service systems")
	}
	// A provider that would fail differently: the check must come first,
	// without asking it (the real one would wait for D-Bus).
	providerErr := errors.New("provider was called")
	keyring.MockInitWithError(providerErr)
	t.Cleanup(keyring.MockInit)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")

	kr := crypto.OSKeyring{}
	_, getErr := kr.Get()
	setErr := kr.Set("x")
	for name, err := range map[string]error{"Get": getErr, "Set": setErr} {
		if !errors.Is(err, crypto.ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session bus") {
			t.Errorf("%s = %v, want ErrUnavailable for no session bus", name, err)
		}
	}

	// So an identity made without a session bus lands in a file, with a note.
	path := filepath.Join(t.TempDir(), "identity")
	where, note, err := crypto.SaveIdentity(mustGenerate(t, true), kr, path)
	if err != nil || where != path || !strings.Contains(note, "no D-Bus session bus") {
		t.Errorf("SaveIdentity = %q, %q, %v; want the file and a note", where, note, err)
	}

	// And a lookup notes it and goes on.
	env := crypto.Env{Getenv: func(string) string { return "" }, Home: t.TempDir()}
	_, err = crypto.FindIdentity(crypto.DefaultSources("", env, kr), crypto.ParseOptions{})
	var none *crypto.NoIdentityError
	if !errors.As(err, &none) || !strings.Contains(err.Error(), "OS keyring (unavailable)") {
		t.Errorf("FindIdentity = %v, want *NoIdentityError with the keyring unavailable", err)
	}
}
