package crypto

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if s.Named {
			// A file the user named must not silently give way to the next
			// source: a typo would then decrypt and sign as someone else,
			// or make init create a new identity.
			return nil, fmt.Errorf("%s: %w", s.Name(), ErrNamedFileMissing)
		}
		return nil, ErrAbsent
	}
	if err != nil {
		// The path is the user's own; the error holds no key material.
		return nil, fmt.Errorf("reading identity file %s: %w", s.Path, errors.Unwrap(err))
	}
	return b, nil
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
}

// FindIdentity returns the identity of the first source that has one. A
// source that has text that does not parse is an error: a configured but
// broken identity must not silently give way to another.
func FindIdentity(sources []Source, opts ParseOptions) (*Found, error) {
	var tried, notes []string
	for _, s := range sources {
		text, err := s.Load()
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
		return &Found{Identity: id, Source: s.Name(), Notes: notes}, nil
	}
	return nil, &NoIdentityError{Tried: tried}
}
