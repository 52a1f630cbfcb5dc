package format

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// A RotationDefault gives the secrets whose names match Path (a doublestar
// glob, first match wins) a rotation period, generator and rotator when
// their own header names none.
type RotationDefault struct {
	Path     string   `yaml:"path"`
	Every    Duration `yaml:"every,omitempty"`
	Generate string   `yaml:"generate,omitempty"`
	Rotator  string   `yaml:"rotator,omitempty"`
}

// MarshalYAML writes a default on one line.
func (r RotationDefault) MarshalYAML() (any, error) {
	return flowMapping("path", scalar(r.Path), "every", optScalar(string(r.Every)), "generate", optScalar(r.Generate), "rotator", optScalar(r.Rotator)), nil
}

// A Rotator is a command an admin signed into the policy that applies a
// new value to the system that uses it (ALTER ROLE …, an API call). It
// gets the new value on stdin and the current one on file descriptor 3
// (and in CurrentEnv, when set). A program that is a file in the
// repository runs only when its SHA-256 is SHA256.
type Rotator struct {
	Run []string `yaml:"run"`
	// Paths, when set, are the path globs of the secrets the rotator may
	// rotate: a writer of dev/** cannot name the rotator of a production
	// database on their own secret, learn the new value it sets, and so
	// the production password.
	Paths      Names    `yaml:"paths,omitempty"`
	Timeout    Duration `yaml:"timeout,omitempty"`
	SHA256     string   `yaml:"sha256,omitempty"`
	CurrentEnv string   `yaml:"current-env,omitempty"`
}

// DefaultRotatorTimeout is how long a rotator may run when its policy
// entry gives no timeout.
const DefaultRotatorTimeout = 60 * time.Second

// MaxRotatorTimeout bounds a rotator's timeout.
const MaxRotatorTimeout = time.Hour

// MarshalYAML writes a rotator on one line.
func (r Rotator) MarshalYAML() (any, error) {
	var paths *yaml.Node
	if len(r.Paths) > 0 {
		paths = flowSequence(r.Paths)
	}
	return flowMapping("run", flowSequence(r.Run), "paths", paths, "timeout", optScalar(string(r.Timeout)), "sha256", optScalar(r.SHA256), "current-env", optScalar(r.CurrentEnv)), nil
}

// TimeoutOrDefault is the rotator's timeout.
func (r Rotator) TimeoutOrDefault() time.Duration {
	if d, err := ParseDuration(string(r.Timeout)); err == nil && r.Timeout != "" {
		return d
	}
	return DefaultRotatorTimeout
}

// RotatorMap is the rotators of a policy by name.
type RotatorMap map[string]Rotator

// MarshalYAML writes the rotators sorted by name.
func (m RotatorMap) MarshalYAML() (any, error) { return sortedMapping(m) }

func optScalar(s string) *yaml.Node {
	if s == "" {
		return nil
	}
	return scalar(s)
}

// Expiry enforcement settings.
const (
	ExpiredWarn  = "warn"  // get, env and exec warn about an expired secret (the default)
	ExpiredBlock = "block" // they refuse it, exit 5
)

// DefaultExpiringWithin is how early tresor status lists a secret as
// expiring.
const DefaultExpiringWithin = 14 * 24 * time.Hour

// RotationDefaultFor returns the first rotation default whose path matches
// name, and its index, or nil and -1.
func (p *Policy) RotationDefaultFor(name string) (*RotationDefault, int) {
	if p.Settings == nil {
		return nil, -1
	}
	for i := range p.Settings.Rotation {
		if ok, _ := doublestar.Match(p.Settings.Rotation[i].Path, name); ok {
			return &p.Settings.Rotation[i], i
		}
	}
	return nil, -1
}

// Rotates reports whether the rotator may rotate secret name: it names no
// paths, or one of its path globs matches.
func (r Rotator) Rotates(name string) bool {
	if len(r.Paths) == 0 {
		return true
	}
	for _, g := range r.Paths {
		if ok, _ := doublestar.Match(g, name); ok {
			return true
		}
	}
	return false
}

// RotatorNamed returns the signed rotator called name.
func (p *Policy) RotatorNamed(name string) (Rotator, bool) {
	if p.Settings == nil {
		return Rotator{}, false
	}
	r, ok := p.Settings.Rotators[name]
	return r, ok
}

// ExpiredBlocks reports whether the signed settings make reads refuse an
// expired secret.
func (p *Policy) ExpiredBlocks() bool {
	return p.Settings != nil && p.Settings.Expired == ExpiredBlock
}

// ExpiringWithin is how early status lists a secret as expiring.
func (p *Policy) ExpiringWithin() time.Duration {
	if p.Settings != nil && p.Settings.ExpiringWithin != "" {
		if d, err := ParseDuration(string(p.Settings.ExpiringWithin)); err == nil {
			return d
		}
	}
	return DefaultExpiringWithin
}

func (s *Settings) validateRotation() error {
	for i, r := range s.Rotation {
		where := fmt.Sprintf("settings: rotation default %d (%s)", i+1, r.Path)
		if r.Path == "" || !doublestar.ValidatePattern(r.Path) {
			return fmt.Errorf("settings: rotation default %d: %q is not a valid path glob", i+1, r.Path)
		}
		if r.Every == "" && r.Generate == "" && r.Rotator == "" {
			return fmt.Errorf("%s: give every, generate or rotator", where)
		}
		if r.Every != "" {
			if _, err := ParseDuration(string(r.Every)); err != nil {
				return fmt.Errorf("%s: every: %w", where, err)
			}
		}
		if r.Generate != "" {
			if _, err := ParseGenerator(r.Generate); err != nil {
				return fmt.Errorf("%s: generate: %w", where, err)
			}
		}
		if r.Rotator != "" {
			if _, ok := s.Rotators[r.Rotator]; !ok {
				return fmt.Errorf("%s: no rotator named %s", where, r.Rotator)
			}
		}
	}
	for name, r := range s.Rotators {
		if err := ValidateMemberName(name); err != nil {
			return fmt.Errorf("settings: rotator name: %w", err)
		}
		if len(r.Run) == 0 || r.Run[0] == "" {
			return fmt.Errorf("settings: rotator %s: run names no program", name)
		}
		for _, a := range r.Run {
			if strings.ContainsAny(a, "\x00\n\r") {
				return fmt.Errorf("settings: rotator %s: an argument holds a NUL or a line break", name)
			}
		}
		for _, g := range r.Paths {
			if g == "" || !doublestar.ValidatePattern(g) {
				return fmt.Errorf("settings: rotator %s: %q is not a valid path glob", name, g)
			}
		}
		if r.Timeout != "" {
			d, err := ParseDuration(string(r.Timeout))
			if err != nil {
				return fmt.Errorf("settings: rotator %s: timeout: %w", name, err)
			}
			if d > MaxRotatorTimeout {
				return fmt.Errorf("settings: rotator %s: timeout is at most 1h", name)
			}
		}
		if r.SHA256 != "" && !IsHash(r.SHA256) {
			return fmt.Errorf("settings: rotator %s: sha256 must be 64 lowercase hex digits", name)
		}
		if r.CurrentEnv != "" && !ValidEnvName(r.CurrentEnv) {
			return fmt.Errorf("settings: rotator %s: current-env %q is not a valid variable name", name, r.CurrentEnv)
		}
	}
	switch s.Expired {
	case "", ExpiredWarn, ExpiredBlock:
	default:
		return errors.New("settings: expired is warn or block")
	}
	if s.ExpiringWithin != "" {
		if _, err := ParseDuration(string(s.ExpiringWithin)); err != nil {
			return fmt.Errorf("settings: expiring-within: %w", err)
		}
	}
	return nil
}

func (s *Settings) cloneRotation(c *Settings) {
	c.Rotation = append([]RotationDefault(nil), s.Rotation...)
	if s.Rotators != nil {
		c.Rotators = RotatorMap{}
		for k, r := range s.Rotators {
			r.Run = append([]string(nil), r.Run...)
			r.Paths = append(Names(nil), r.Paths...)
			c.Rotators[k] = r
		}
	}
	c.Expired, c.ExpiringWithin = s.Expired, s.ExpiringWithin
}

func (s *Settings) rotationEmpty() bool {
	return len(s.Rotation) == 0 && len(s.Rotators) == 0 && s.Expired == "" && s.ExpiringWithin == ""
}
