package crypto

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// A Source is one place an identity may be found: a flag, an environment
// variable, the OS keyring, a file.
type Source interface {
	// Name says where, for messages: "TRESOR_IDENTITY", "OS keyring", a path.
	Name() string
	// Load returns the identity text, or an error wrapping ErrAbsent when
	// this source holds none, or ErrUnavailable when it cannot be asked.
	Load() ([]byte, error)
}

// Errors a Source returns.
var (
	ErrAbsent      = errors.New("no identity there")
	ErrUnavailable = errors.New("unavailable")
	// ErrNamedFileMissing: an identity file the user named (--identity,
	// TRESOR_IDENTITY_FILE) does not exist.
	ErrNamedFileMissing = errors.New("identity file does not exist")
)

// FileSource reads an identity file. A Named file is one the user asked
// for; the default places (~/.config/tresor/identity, ~/.ssh/id_ed25519)
// are not named.
type FileSource struct {
	Path, Label string
	Named       bool
}

func (s FileSource) Name() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Path
}

func (s FileSource) Load() ([]byte, error) {
	b, _, err := s.load()
	return b, err
}

// load reads the file, and returns with it a warning when the file's mode
// lets other users read or change it (see permissionWarning).
func (s FileSource) load() ([]byte, string, error) {
	b, mode, err := readWithMode(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if s.Named {
			// A file the user named must not silently give way to the next
			// source: a typo would then decrypt and sign as someone else,
			// or make init create a new identity.
			return nil, "", fmt.Errorf("%s: %w", s.Name(), ErrNamedFileMissing)
		}
		return nil, "", ErrAbsent
	}
	if err != nil {
		// The path is the user's own; the error holds no key material.
		return nil, "", fmt.Errorf("reading identity file %s: %w", s.Path, errors.Unwrap(err))
	}
	return b, permissionWarning(s.Path, mode), nil
}

// readWithMode reads a file and the mode of what was read (through any
// symlink: the permissions that matter are the target's).
func readWithMode(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(f)
	return b, fi.Mode(), err
}

// permissionWarning says, as ssh does, that an identity file can be read
// (or changed) by users other than its owner, and how to fix it; "" when it
// cannot. It is a warning, not a refusal as in ssh: identity files arrive
// through mounts tresor does not choose the mode of (a Kubernetes secret
// volume is 0644 by default), and a file others may change is caught
// anyway, since a key put in its place is no member the policy trusts
// (docs/security.md). Windows file modes do not say who may read, so
// Windows gets none.
func permissionWarning(path string, mode fs.FileMode) string {
	if runtime.GOOS == "windows" {
		return ""
	}
	perm := mode.Perm()
	readers, writers := audience(perm, 0o040, 0o004), audience(perm, 0o020, 0o002)
	var what string
	switch {
	case readers == "" && writers == "":
		return ""
	case readers == writers:
		what = "readable and writable by " + readers
	case writers == "":
		what = "readable by " + readers
	case readers == "":
		what = "writable by " + writers
	default:
		what = "readable by " + readers + " and writable by " + writers
	}
	return fmt.Sprintf("identity file %s is %s (mode %04o); chmod 600 %s", path, what, uint32(perm), path)
}

// audience names who besides the owner has a permission bit: others if
// everyone has it, else the file's group.
func audience(perm, group, others fs.FileMode) string {
	switch {
	case perm&others != 0:
		return "others"
	case perm&group != 0:
		return "its group"
	}
	return ""
}

// EnvSource is an identity given as text in an environment variable.
type EnvSource struct{ Var, Value string }

func (s EnvSource) Name() string { return s.Var }

func (s EnvSource) Load() ([]byte, error) {
	if strings.TrimSpace(s.Value) == "" {
		return nil, ErrAbsent
	}
	return []byte(s.Value), nil
}

// KeyringSource reads the identity tresor stored in the OS keyring.
type KeyringSource struct{ Keyring Keyring }

func (s KeyringSource) Name() string { return "OS keyring" }

func (s KeyringSource) Load() ([]byte, error) {
	text, err := s.Keyring.Get()
	if err != nil {
		return nil, err
	}
	return []byte(text), nil
}

// Env is how lookups read the environment, injectable in tests.
type Env struct {
	Getenv func(string) string
	Home   string
}

// DefaultSources lists where identities are looked for, in order:
// --identity FILE, TRESOR_IDENTITY (the key text), TRESOR_IDENTITY_FILE,
// the OS keyring, ~/.config/tresor/identity, ~/.ssh/id_ed25519.
func DefaultSources(flagPath string, env Env, kr Keyring) []Source {
	var srcs []Source
	if flagPath != "" {
		srcs = append(srcs, FileSource{Path: flagPath, Label: "--identity " + flagPath, Named: true})
	}
	srcs = append(srcs, EnvSource{Var: "TRESOR_IDENTITY", Value: env.Getenv("TRESOR_IDENTITY")})
	if p := env.Getenv("TRESOR_IDENTITY_FILE"); p != "" {
		srcs = append(srcs, FileSource{Path: p, Label: "TRESOR_IDENTITY_FILE=" + p, Named: true})
	}
	if kr != nil {
		srcs = append(srcs, KeyringSource{Keyring: kr})
	}
	if f := IdentityFilePath(env); f != "" {
		srcs = append(srcs, FileSource{Path: f})
	}
	if env.Home != "" {
		srcs = append(srcs, FileSource{Path: filepath.Join(env.Home, ".ssh", "id_ed25519")})
	}
	return srcs
}

// IdentityFilePath is tresor's own identity file: $XDG_CONFIG_HOME/tresor/identity
// or ~/.config/tresor/identity.
func IdentityFilePath(env Env) string {
	if x := env.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "tresor", "identity")
	}
	if env.Home == "" {
		return ""
	}
	return filepath.Join(env.Home, ".config", "tresor", "identity")
}

// NoIdentityError says that no source held an identity, and which were tried.
type NoIdentityError struct{ Tried []string }

func (e *NoIdentityError) Error() string {
	return "no identity found (tried " + strings.Join(e.Tried, ", ") + ")"
}

// Found is an identity with where it came from.
type Found struct {
	*Identity
	Source string
	// Notes are one-line remarks about sources skipped on the way, such as
	// an unavailable keyring.
	Notes []string
	// Warnings are one-line remarks about the source used that the user
	// should act on, such as an identity file others can read.
	Warnings []string
}

// FindIdentity returns the identity of the first source that has one. A
// source that has text that does not parse is an error: a configured but
// broken identity must not silently give way to another.
func FindIdentity(sources []Source, opts ParseOptions) (*Found, error) {
	var tried, notes []string
	for _, s := range sources {
		text, warning, err := load(s)
		switch {
		case errors.Is(err, ErrAbsent):
			tried = append(tried, s.Name())
			continue
		case errors.Is(err, ErrUnavailable):
			tried = append(tried, s.Name()+" (unavailable)")
			notes = append(notes, err.Error())
			continue
		case err != nil:
			return nil, err
		}
		id, err := ParseIdentity(text, opts)
		if err != nil {
			return nil, fmt.Errorf("identity from %s: %w", s.Name(), err)
		}
		found := &Found{Identity: id, Source: s.Name(), Notes: notes}
		if warning != "" {
			found.Warnings = append(found.Warnings, warning)
		}
		return found, nil
	}
	return nil, &NoIdentityError{Tried: tried}
}

// load asks a source for its text, and a file source also for a warning
// about its permissions.
func load(s Source) ([]byte, string, error) {
	if f, ok := s.(FileSource); ok {
		return f.load()
	}
	text, err := s.Load()
	return text, "", err
}
