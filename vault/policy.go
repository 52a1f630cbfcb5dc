package vault

import (
	"fmt"
	"slices"
	"sort"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// changePolicy applies mutate to a copy of the policy, checks the result and
// records it as one policy.set entry. Only an admin of the current policy
// may do so. A change that takes read access from anyone also re-encrypts
// what it can and reports what was exposed (v.Revocation).
func (v *Vault) changePolicy(summary string, mutate func(p *format.Policy) error) error {
	return v.changePolicyOver("", summary, mutate)
}

// changePolicyOver is changePolicy that may overwrite unsigned edits of
// policy.yaml: those with hash edits, which the admin was shown.
func (v *Vault) changePolicyOver(edits, summary string, mutate func(p *format.Policy) error) error {
	v.revocation = nil
	return v.writeLocked(func(st *verifiedState) error {
		actor, err := v.admin()
		if err != nil {
			return err
		}
		if err := v.checkNoUnsignedEdits(st, edits); err != nil {
			return err
		}
		next := v.Policy.Clone()
		if err := mutate(next); err != nil {
			return err
		}
		if err := v.checkPolicy(next); err != nil {
			return err
		}
		// Taking read access from anyone re-encrypts and reports in the
		// same locked operation (vault/revoke.go).
		return v.commitPolicy(st, actor, summary, next, next.Marshal())
	})
}

// admin returns the current member when the policy makes them an admin
// who can sign: who may change the policy.
func (v *Vault) admin() (string, error) {
	actor, err := v.signer()
	if err != nil {
		return "", err
	}
	if !v.Policy.IsAdmin(actor) {
		return "", problemf(ErrDenied, "ask an admin ("+joinOrNone(v.Policy.Expand(v.Policy.Admins))+") to make this change",
			"member %s is not an admin of this vault", actor)
	}
	return actor, nil
}

// checkPolicy is everything a new policy must satisfy beyond its own
// references: recipients and signers parse, no rule mixes post-quantum and
// classic readers, and at least one admin can sign.
func (v *Vault) checkPolicy(p *format.Policy) error {
	if err := p.Validate(); err != nil {
		return problemf(nil, "", "policy: %v", err)
	}
	recipients := map[string]string{}
	for name, m := range p.Members {
		norm, err := crypto.NormalizeRecipient(m.Recipient, p.Plugins())
		if err != nil {
			return problemf(nil, "", "member %s: %v", name, err)
		}
		if norm != m.Recipient {
			return problemf(nil, "", "member %s: recipient is not in normal form", name)
		}
		if _, _, err := crypto.SignerOf(m.Recipient, m.Signer); err != nil {
			return problemf(nil, "", "member %s: %v", name, err)
		}
		recipients[name] = m.Recipient
	}
	for i, r := range p.Rules {
		if err := crypto.CheckMix(p.Expand(r.Read), recipients); err != nil {
			return problemf(nil, "give post-quantum and classic members separate rules",
				"rule %d (%s): %v", i+1, r.Path, err)
		}
	}
	for _, a := range p.Expand(p.Admins) {
		if _, ok, _ := crypto.SignerOf(p.Members[a].Recipient, p.Members[a].Signer); ok {
			return nil
		}
	}
	return problemf(nil, "keep at least one admin whose identity can sign", "no admin could sign a change of the policy")
}

// MemberAdd adds a member with a recipient, an optional signer and groups.
func (v *Vault) MemberAdd(name, recipient, signer string, groups []string) error {
	if err := format.ValidateMemberName(name); err != nil {
		return problemf(nil, "", "%v", err)
	}
	norm, err := crypto.NormalizeRecipient(recipient, v.Policy.Plugins())
	if err != nil {
		return problemf(nil, "the recipient is what tresor whoami prints (age1…, age1pq1… or an ssh public key)", "recipient: %v", err)
	}
	if signer != "" {
		if _, err := crypto.ParseSigner(signer); err != nil {
			return problemf(nil, "", "signer: %v", err)
		}
	}
	return v.changePolicy("add member "+name, func(p *format.Policy) error {
		if _, ok := p.Members[name]; ok {
			return problemf(nil, "to change a member's key: tresor member rm "+name+", member add, then tresor reencrypt --force",
				"%s is already a member", name)
		}
		if _, ok := p.Groups[name]; ok {
			return problemf(nil, "", "%s is the name of a group", name)
		}
		for other, m := range p.Members {
			if m.Recipient == norm {
				return problemf(nil, "", "member %s already has this recipient", other)
			}
		}
		p.Members[name] = format.Member{Recipient: norm, Signer: signer}
		for _, g := range groups {
			if err := format.ValidateMemberName(g); err != nil {
				return problemf(nil, "", "group: %v", err)
			}
			if _, isMember := p.Members[g]; isMember {
				return problemf(nil, "", "%s is a member, not a group", g)
			}
			p.Groups[g] = sortedUnique(append(p.Groups[g], name))
		}
		return nil
	})
}

// MemberRemove removes a member from the policy, its groups, rules and
// admins, and re-encrypts what they could read (see changePolicy); the
// values they could read should be rotated (v.Revocation lists them).
func (v *Vault) MemberRemove(name string) error {
	return v.changePolicy("remove member "+name, func(p *format.Policy) error {
		if _, ok := p.Members[name]; !ok {
			return problemf(ErrNotFound, "tresor member ls lists the members", "no member named %s", name)
		}
		delete(p.Members, name)
		drop := func(list format.Names) format.Names {
			return slices.DeleteFunc(list, func(s string) bool { return s == name })
		}
		for g, list := range p.Groups {
			p.Groups[g] = drop(list)
		}
		for i := range p.Rules {
			p.Rules[i].Read = drop(p.Rules[i].Read)
			p.Rules[i].Write = drop(p.Rules[i].Write)
		}
		p.Admins = drop(p.Admins)
		return nil
	})
}

// ApplyPolicy replaces the policy with one a person wrote (any YAML
// spelling; lists need not be sorted).
func (v *Vault) ApplyPolicy(b []byte) error {
	next, err := format.DecodePolicy(b)
	if err != nil {
		return problemf(nil, "tresor policy show prints the current policy to start from", "%v", err)
	}
	return v.changePolicy("apply policy", func(p *format.Policy) error {
		*p = *next
		return nil
	})
}

func sortedUnique(list format.Names) format.Names {
	out := slices.Clone(list)
	sort.Strings(out)
	return slices.Compact(out)
}

// A RuleReport explains one rule.
type RuleReport struct {
	Index    int      `json:"index"`
	Path     string   `json:"path"`
	Readers  []string `json:"readers"`
	Writers  []string `json:"writers"`
	Secrets  []string `json:"secrets"`
	Problems []string `json:"problems,omitempty"`
}

// A PolicyReport explains the whole policy and what is wrong with it.
type PolicyReport struct {
	Rules    []RuleReport `json:"rules"`
	Admins   []string     `json:"admins"`
	Problems []string     `json:"problems,omitempty"`
}

// CheckPolicy explains every rule (readers, writers, secrets it covers) and
// lists problems: mixed post-quantum and classic readers, rules no one reads,
// writers that cannot sign, members no rule mentions, secrets no rule
// covers and secrets whose readers differ from the policy.
func (v *Vault) CheckPolicy() (*PolicyReport, error) {
	p, _, err := v.SignedPolicy()
	if err != nil {
		return nil, err
	}
	rep := &PolicyReport{Admins: p.Expand(p.Admins)}
	recipients := map[string]string{}
	canSign := map[string]bool{}
	for name, m := range p.Members {
		recipients[name] = m.Recipient
		_, ok, _ := crypto.SignerOf(m.Recipient, m.Signer)
		canSign[name] = ok
	}
	mentioned := map[string]bool{}
	for i, r := range p.Rules {
		rr := RuleReport{Index: i + 1, Path: r.Path, Readers: p.Expand(r.Read), Writers: p.Expand(r.Write), Secrets: []string{}}
		if err := crypto.CheckMix(rr.Readers, recipients); err != nil {
			rr.Problems = append(rr.Problems, err.Error())
		}
		if len(rr.Readers) == 0 {
			rr.Problems = append(rr.Problems, "no one can read the secrets this rule covers")
		}
		for _, w := range rr.Writers {
			if !canSign[w] {
				rr.Problems = append(rr.Problems, fmt.Sprintf("writer %s cannot sign, so cannot write", w))
			}
		}
		for _, m := range append(slices.Clone(rr.Readers), rr.Writers...) {
			mentioned[m] = true
		}
		rep.Rules = append(rep.Rules, rr)
	}
	for _, a := range rep.Admins {
		mentioned[a] = true
		if !canSign[a] {
			rep.Problems = append(rep.Problems, fmt.Sprintf("admin %s cannot sign, so cannot change the policy", a))
		}
	}
	var members []string
	for m := range p.Members {
		members = append(members, m)
	}
	sort.Strings(members)
	for _, m := range members {
		if !mentioned[m] {
			rep.Problems = append(rep.Problems, fmt.Sprintf("member %s is in no rule and not an admin", m))
		}
	}
	secrets, err := v.List("")
	if err != nil {
		return nil, err
	}
	for _, s := range secrets {
		i := p.RuleFor(s.Name)
		if i < 0 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("secret %s matches no rule", s.Name))
			continue
		}
		rep.Rules[i].Secrets = append(rep.Rules[i].Secrets, s.Name)
		if want := p.Expand(p.Rules[i].Read); !slices.Equal(want, []string(s.Readers)) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("secret %s is encrypted to [%s], the policy says [%s]: run tresor reencrypt",
				s.Name, joinOrNone(s.Readers), joinOrNone(want)))
		}
	}
	return rep, nil
}

// A MemberInfo is one member as tresor member ls shows it.
type MemberInfo struct {
	Name      string   `json:"name"`
	Recipient string   `json:"recipient"`
	Signer    string   `json:"signer,omitempty"`
	CanSign   bool     `json:"can_sign"`
	Groups    []string `json:"groups"`
	Admin     bool     `json:"admin"`
}

// Members lists the members, sorted by name, with their groups and whether
// they are admins and can sign.
func (v *Vault) Members() ([]MemberInfo, error) {
	// The members as the signed policy has them, never policy.yaml's
	// unsigned edits.
	p, _, err := v.SignedPolicy()
	if err != nil {
		return nil, err
	}
	out := []MemberInfo{}
	for name, m := range p.Members {
		_, canSign, _ := crypto.SignerOf(m.Recipient, m.Signer)
		groups := []string{}
		for g, list := range p.Groups {
			if slices.Contains(list, name) {
				groups = append(groups, g)
			}
		}
		sort.Strings(groups)
		out = append(out, MemberInfo{name, m.Recipient, m.Signer, canSign, groups, p.IsAdmin(name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
