package format

import (
	"fmt"
	"regexp"
)

// VaultTag is the first line of vault.yaml.
const VaultTag = "vault/v1"

// VaultFile is vault.yaml: the format version, the vault's id, the hash of
// its genesis journal entry, the age plugins members may use, and defaults.
type VaultFile struct {
	Tresor   string `yaml:"tresor"`
	ID       string `yaml:"id"`
	Genesis  string `yaml:"genesis"`
	Plugins  Names  `yaml:"plugins,omitempty"`
	Generate string `yaml:"generate,omitempty"`
}

var (
	vaultIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
	pluginPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// Marshal returns the canonical vault.yaml bytes.
func (v *VaultFile) Marshal() []byte {
	c := *v
	c.Tresor = VaultTag
	return encodeYAML(&c)
}

// ParseVaultFile parses and validates vault.yaml.
func ParseVaultFile(b []byte) (*VaultFile, error) {
	if err := checkTag(b, VaultTag, "vault.yaml"); err != nil {
		return nil, err
	}
	var v VaultFile
	if err := decodeCanonical(b, &v); err != nil {
		return nil, fmt.Errorf("vault.yaml: %w", err)
	}
	if !vaultIDPattern.MatchString(v.ID) {
		return nil, fmt.Errorf("vault.yaml: id must be 32 hex digits")
	}
	if !IsHash(v.Genesis) {
		return nil, fmt.Errorf("vault.yaml: genesis must be a sha256 hex hash")
	}
	for _, p := range v.Plugins {
		if !pluginPattern.MatchString(p) {
			return nil, fmt.Errorf("vault.yaml: plugin name %q is not valid", p)
		}
	}
	if err := checkSortedUnique(v.Plugins, "vault.yaml plugins"); err != nil {
		return nil, err
	}
	if v.Generate != "" {
		if _, err := ParseGenerator(v.Generate); err != nil {
			return nil, fmt.Errorf("vault.yaml generate: %w", err)
		}
	}
	return &v, nil
}

// IsHash reports whether s is 64 lowercase hex digits.
func IsHash(s string) bool { return len(s) == 64 && isLowerHex([]byte(s)) }
