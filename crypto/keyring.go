package crypto

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// A Keyring holds one identity text in the OS keyring.
type Keyring interface {
	Get() (string, error)
	Set(text string) error
}

// Keyring coordinates: service "tresor", one item for the user's identity.
const (
	KeyringService = "tresor"
	KeyringUser    = "identity"
)

// OSKeyring is the real OS keyring: Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows.
type OSKeyring struct{}

// keyringTimeout bounds a keyring call: a Secret Service that never answers
// must not hang a command.
const keyringTimeout = 5 * time.Second

// errNoSessionBus is returned without calling D-Bus when there is no session
// bus: the D-Bus library would otherwise try to launch one, and wait for a
// Secret Service that never comes, for two minutes.
var errNoSessionBus = fmt.Errorf("OS keyring %w (no D-Bus session bus)", ErrUnavailable)

func keyringCall[T any](fn func() (T, error)) (T, error) {
	var zero T
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return zero, errNoSessionBus
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(keyringTimeout):
		return zero, fmt.Errorf("OS keyring %w (it did not answer within %s)", ErrUnavailable, keyringTimeout)
	}
}

func (OSKeyring) Get() (string, error) {
	text, err := keyringCall(func() (string, error) { return keyring.Get(KeyringService, KeyringUser) })
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrAbsent
	}
	if errors.Is(err, ErrUnavailable) {
		return "", err
	}
	if err != nil {
		// Never pass the raw D-Bus error up: it is long and says nothing a
		// user can act on.
		return "", fmt.Errorf("OS keyring %w (no Secret Service running?)", ErrUnavailable)
	}
	return text, nil
}

func (OSKeyring) Set(text string) error {
	_, err := keyringCall(func() (struct{}, error) { return struct{}{}, keyring.Set(KeyringService, KeyringUser, text) })
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	if err != nil {
		return fmt.Errorf("OS keyring %w (no Secret Service running?)", ErrUnavailable)
	}
	return nil
}

// ErrNowhereToStore: there is no OS keyring to keep a new identity in, and
// no home directory (nor XDG_CONFIG_HOME) for the identity file.
var ErrNowhereToStore = errors.New("nowhere to store a new identity: the OS keyring is unavailable and there is no home directory")

// SaveIdentity stores a new identity in the keyring, or, when the keyring is
// unavailable, in a 0600 file at path (never overwriting one). It returns
// where the identity went and, when it fell back, a one-line note.
func SaveIdentity(id *Identity, kr Keyring, path string) (where, note string, err error) {
	if kr != nil {
		err := kr.Set(id.SecretText())
		if err == nil {
			return "OS keyring", "", nil
		}
		if !errors.Is(err, ErrUnavailable) {
			return "", "", err
		}
		note = err.Error() + "; storing the identity in " + path + " instead"
	}
	if path == "" {
		return "", "", ErrNowhereToStore
	}
	if err := WriteKeyFile(path, []byte(id.FileText()), false); err != nil {
		return "", "", err
	}
	return path, note, nil
}
