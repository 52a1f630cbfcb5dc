package format

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// PolicyTag is the first line of policy.yaml.
const PolicyTag = "policy/v1"

// A Policy says who the members are, how they are grouped, who reads and
// writes which secrets, and who may change the policy itself.
type Policy struct {
	Tresor  string    `yaml:"tresor"`
	Members MemberMap `yaml:"members"`
	Groups  GroupMap  `yaml:"groups"`
	Rules   []Rule    `yaml:"rules"`
	Admins  Names     `yaml:"admins"`
	// Settings change what tresor does on members' machines, so they live
	// here, under the admins' signature, and never in an unsigned file.
	Settings *Settings `yaml:"settings,omitempty"`
}

// Settings are the vault-wide behaviour switches an admin signs.
type Settings struct {
	// Plugins is the allow-list of age plugins members' recipients and
	// identities may use; tresor starts no other plugin.
	Plugins Names `yaml:"plugins,omitempty"`
	// Generate is the default generator spec for set --generate.
	Generate string `yaml:"generate,omitempty"`
	// AllowEnv names environment variables that secrets may set even
	// though they change how programs start or load code (see
	// vault's list of such names).
	AllowEnv Names `yaml:"allow-env,omitempty"`
	// ScanAllow is the SHA-256 ("sha256:<hex>") of .tresor/scan-allow.yaml
	// as an admin approved it: tresor scan applies its allowances only
	// then, so that a push cannot let a leak through the hook.
	ScanAllow string `yaml:"scan-allow,omitempty"`
	// Rotation are defaults per path glob (first match wins) for secrets
	// whose header sets no rotation period, generator or rotator.
	Rotation []RotationDefault `yaml:"rotation,omitempty"`
	// Rotators are the commands rotate may run, by name; a secret's header
	// names one, never a command.
	Rotators RotatorMap `yaml:"rotators,omitempty"`
	// Expired is warn (default) or block: what get, env and exec do with
	// an expired secret.
	Expired string `yaml:"expired,omitempty"`
	// ExpiringWithin is how early status lists a secret as expiring
	// (default 14d).
	ExpiringWithin Duration `yaml:"expiring-within,omitempty"`
}

// PluginAllowed reports whether the signed settings allow the age plugin name.
func (p *Policy) PluginAllowed(name string) bool {
	return p.Settings != nil && slices.Contains(p.Settings.Plugins, name)
}

// Plugins returns the signed plugin allow-list.
func (p *Policy) Plugins() []string {
	if p.Settings == nil {
		return nil
	}
	return p.Settings.Plugins
}

// DefaultGenerate returns the signed default generator spec, or "".
func (p *Policy) DefaultGenerate() string {
	if p.Settings == nil {
		return ""
	}
	return p.Settings.Generate
}

// EnvAllowed reports whether the signed settings allow a secret to set the
// environment variable name despite its being on the refused list.
func (p *Policy) EnvAllowed(name string) bool {
	return p.Settings != nil && slices.Contains(p.Settings.AllowEnv, name)
}

// A Member is one person or machine: the age (or ssh) recipient secrets are
// encrypted to, and the ed25519 key their journal entries are signed with.
// Members whose recipient is an ssh-ed25519 key sign with that key and have
// no separate signer.
type Member struct {
	Recipient string `yaml:"recipient"`
	Signer    string `yaml:"signer,omitempty"`
}

// A Rule grants read and write on the secrets whose names match Path, a
// doublestar glob ("prod/**"). The first matching rule wins.
type Rule struct {
	Path  string `yaml:"path"`
	Read  Names  `yaml:"read"`
	Write Names  `yaml:"write"`
}

// MemberMap is the members of a policy by name.
type MemberMap map[string]Member

// GroupMap is the groups of a policy by name.
type GroupMap map[string]Names

// MarshalYAML writes the members sorted by name in byte order. (yaml.v3's
// own key order compares digit runs as numbers and overflows on long ones,
// which made the output depend on map iteration order.)
func (m MemberMap) MarshalYAML() (any, error) { return sortedMapping(m) }

// MarshalYAML writes the groups sorted by name in byte order.
func (m GroupMap) MarshalYAML() (any, error) { return sortedMapping(m) }

func sortedMapping[V yaml.Marshaler](m map[string]V) (*yaml.Node, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		v, err := m[k].MarshalYAML()
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, scalar(k), v.(*yaml.Node))
	}
	return n, nil
}

// MarshalYAML writes a member on one line.
func (m Member) MarshalYAML() (any, error) {
	var signer *yaml.Node
	if m.Signer != "" {
		signer = scalar(m.Signer)
	}
	return flowMapping("recipient", scalar(m.Recipient), "signer", signer), nil
}

// MarshalYAML writes a rule on one line.
func (r Rule) MarshalYAML() (any, error) {
	return flowMapping("path", scalar(r.Path), "read", flowSequence(r.Read), "write", flowSequence(r.Write)), nil
}

// Marshal returns the canonical policy.yaml bytes.
func (p *Policy) Marshal() []byte {
	c := *p
	c.Tresor = PolicyTag
	if c.Members == nil {
		c.Members = MemberMap{}
	}
	if c.Groups == nil {
		c.Groups = GroupMap{}
	}
	return encodeYAML(&c)
}

// ParsePolicy parses and validates policy.yaml.
func ParsePolicy(b []byte) (*Policy, error) {
	if err := checkTag(b, PolicyTag, "policy.yaml"); err != nil {
		return nil, err
	}
	var p Policy
	if err := decodeCanonical(b, &p); err != nil {
		return nil, fmt.Errorf("policy.yaml: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("policy.yaml: %w", err)
	}
	return &p, nil
}

// Validate checks the references inside the policy: every name in groups,
// rules and admins is a member or a group, groups hold members only, globs
// are well formed, and members and groups don't share names. It does not
// judge recipients; crypto does.
func (p *Policy) Validate() error {
	for name, m := range p.Members {
		if err := ValidateMemberName(name); err != nil {
			return err
		}
		if m.Recipient == "" {
			return fmt.Errorf("member %s has no recipient", name)
		}
		if strings.ContainsAny(m.Recipient, "\n\r") || strings.ContainsAny(m.Signer, "\n\r") {
			return fmt.Errorf("member %s: keys are one line", name)
		}
	}
	for g, list := range p.Groups {
		if err := ValidateMemberName(g); err != nil {
			return err
		}
		if _, clash := p.Members[g]; clash {
			return fmt.Errorf("%s is both a member and a group", g)
		}
		if err := checkSortedUnique(list, "group "+g); err != nil {
			return err
		}
		for _, m := range list {
			if _, ok := p.Members[m]; !ok {
				return fmt.Errorf("group %s lists %s, who is not a member", g, m)
			}
		}
	}
	if len(p.Rules) == 0 {
		return errors.New("there are no rules: no one could read or write any secret")
	}
	for i, r := range p.Rules {
		if !doublestar.ValidatePattern(r.Path) || r.Path == "" {
			return fmt.Errorf("rule %d: %q is not a valid path glob", i+1, r.Path)
		}
		for _, list := range []Names{r.Read, r.Write} {
			if err := p.checkRefs(list, fmt.Sprintf("rule %d (%s)", i+1, r.Path)); err != nil {
				return err
			}
		}
	}
	if len(p.Admins) == 0 {
		return errors.New("admins is empty: no one could change the policy")
	}
	if err := p.Settings.validate(); err != nil {
		return err
	}
	return p.checkRefs(p.Admins, "admins")
}

func (s *Settings) validate() error {
	if s == nil {
		return nil
	}
	if s.Plugins == nil && s.Generate == "" && s.AllowEnv == nil && s.ScanAllow == "" && s.rotationEmpty() {
		return errors.New("settings: empty (leave it out)")
	}
	if err := s.validateRotation(); err != nil {
		return err
	}
	for _, pl := range s.Plugins {
		if !pluginPattern.MatchString(pl) {
			return fmt.Errorf("settings: plugin name %q is not valid", pl)
		}
	}
	if err := checkSortedUnique(s.Plugins, "settings plugins"); err != nil {
		return err
	}
	if s.Generate != "" {
		if _, err := ParseGenerator(s.Generate); err != nil {
			return fmt.Errorf("settings generate: %w", err)
		}
	}
	if h, ok := strings.CutPrefix(s.ScanAllow, "sha256:"); s.ScanAllow != "" && (!ok || !IsHash(h)) {
		return fmt.Errorf("settings: scan-allow must be sha256:<64 hex digits>")
	}
	for _, n := range s.AllowEnv {
		if !ValidEnvName(n) {
			return fmt.Errorf("settings: allow-env name %q is not a valid variable name", n)
		}
	}
	return checkSortedUnique(s.AllowEnv, "settings allow-env")
}

func (p *Policy) checkRefs(list Names, where string) error {
	if err := checkSortedUnique(list, where); err != nil {
		return err
	}
	for _, ref := range list {
		_, isMember := p.Members[ref]
		_, isGroup := p.Groups[ref]
		if !isMember && !isGroup {
			return fmt.Errorf("%s names %s, which is neither a member nor a group", where, ref)
		}
	}
	return nil
}

func checkSortedUnique(list Names, where string) error {
	if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
		return fmt.Errorf("%s: names must be sorted and unique", where)
	}
	return nil
}

// RuleFor returns the index of the first rule matching name, or -1.
func (p *Policy) RuleFor(name string) int {
	for i, r := range p.Rules {
		if ok, _ := doublestar.Match(r.Path, name); ok {
			return i
		}
	}
	return -1
}

// Expand resolves member and group names to a sorted list of members.
func (p *Policy) Expand(refs []string) []string {
	set := map[string]bool{}
	for _, ref := range refs {
		if _, ok := p.Members[ref]; ok {
			set[ref] = true
		}
		for _, m := range p.Groups[ref] {
			set[m] = true
		}
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// ReadersOf returns the members a secret called name is encrypted to.
func (p *Policy) ReadersOf(name string) []string {
	i := p.RuleFor(name)
	if i < 0 {
		return nil
	}
	return p.Expand(p.Rules[i].Read)
}

// WritersOf returns the members whose signed entries may change name.
func (p *Policy) WritersOf(name string) []string {
	i := p.RuleFor(name)
	if i < 0 {
		return nil
	}
	return p.Expand(p.Rules[i].Write)
}

// IsAdmin reports whether member may change the policy.
func (p *Policy) IsAdmin(member string) bool {
	return slices.Contains(p.Expand(p.Admins), member)
}

// Clone returns a deep copy that can be changed without touching p.
func (p *Policy) Clone() *Policy {
	c := &Policy{Tresor: p.Tresor, Members: MemberMap{}, Groups: GroupMap{}, Admins: slices.Clone(p.Admins)}
	for k, v := range p.Members {
		c.Members[k] = v
	}
	for k, v := range p.Groups {
		c.Groups[k] = slices.Clone(v)
	}
	for _, r := range p.Rules {
		c.Rules = append(c.Rules, Rule{Path: r.Path, Read: slices.Clone(r.Read), Write: slices.Clone(r.Write)})
	}
	if p.Settings != nil {
		c.Settings = &Settings{Plugins: slices.Clone(p.Settings.Plugins), Generate: p.Settings.Generate, AllowEnv: slices.Clone(p.Settings.AllowEnv), ScanAllow: p.Settings.ScanAllow}
		p.Settings.cloneRotation(c.Settings)
	}
	return c
}

// DecodePolicy reads a policy a person wrote: any YAML spelling, comments,
// lists in any order. It normalizes the lists and validates the result. Use
// ParsePolicy for policy.yaml itself, which must be canonical.
func DecodePolicy(b []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy: malformed YAML: %s", yamlErrorLine(err))
	}
	if p.Tresor != "" && p.Tresor != PolicyTag {
		return nil, fmt.Errorf("%w: policy says %q, this tresor reads %q", ErrUnknownVersion, p.Tresor, PolicyTag)
	}
	p.Tresor = PolicyTag
	norm := func(n Names) Names {
		out := slices.Clone(n)
		sort.Strings(out)
		return slices.Compact(out)
	}
	for g, list := range p.Groups {
		p.Groups[g] = norm(list)
	}
	for i := range p.Rules {
		p.Rules[i].Read, p.Rules[i].Write = norm(p.Rules[i].Read), norm(p.Rules[i].Write)
	}
	p.Admins = norm(p.Admins)
	if s := p.Settings; s != nil {
		s.Plugins, s.AllowEnv = norm(s.Plugins), norm(s.AllowEnv)
		if len(s.Plugins) == 0 && len(s.AllowEnv) == 0 && s.Generate == "" && s.ScanAllow == "" && s.rotationEmpty() {
			p.Settings = nil
		}
	}
	if p.Members == nil {
		p.Members = MemberMap{}
	}
	if p.Groups == nil {
		p.Groups = GroupMap{}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &p, nil
}
