package vault

import (
	"bytes"
	"fmt"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// A PolicyProposal is a policy change that has been checked and waits for
// an admin's signature: what tresor policy apply and policy edit show
// before they sign.
type PolicyProposal struct {
	// Current is the signed policy, Next the proposed one, both in the
	// canonical form policy.yaml holds.
	Current, Next []byte
	// ReplacesEdits says that policy.yaml holds unsigned edits, which the
	// change replaces.
	ReplacesEdits bool

	next  *format.Policy
	base  string // hash of Current
	edits string // hash of the unsigned policy.yaml it replaces
	// resolves: concurrent policy changes await an admin, and signing
	// even the same policy again records which one stands.
	resolves bool
}

// Unchanged reports whether signing the proposal would change nothing.
func (p *PolicyProposal) Unchanged() bool { return !p.resolves && bytes.Equal(p.Current, p.Next) }

// WorkingPolicy returns policy.yaml as it is in the work tree when it holds
// unsigned edits (nil when it is the signed policy). The edits are not in
// force; an admin may look at them and sign them.
func (v *Vault) WorkingPolicy() ([]byte, error) {
	if _, edits, err := v.SignedPolicy(); err != nil || !edits {
		return nil, err
	}
	return v.readFile(policyFileName, 4<<20)
}

// ProposePolicy checks a policy a person wrote (any YAML layout, comments,
// lists in any order) for the current identity, an admin, to sign with
// ApplyPolicyProposal. While policy.yaml holds unsigned edits a proposal
// replaces them only if the admin has seen them: b is policy.yaml itself,
// or shown is (policy edit started from it); otherwise it is refused, so
// that no change silently drops what someone typed into policy.yaml.
func (v *Vault) ProposePolicy(b, shown []byte) (*PolicyProposal, error) {
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, err
	}
	signed, edits := v.Policy, v.policyHash != st.policy
	if err := v.CanChangePolicy(); err != nil {
		return nil, err
	}
	next, err := format.DecodePolicy(b)
	if err != nil {
		return nil, problemf(nil, "tresor policy show prints the current policy to start from", "%v", err)
	}
	if err := v.checkPolicy(next); err != nil {
		return nil, err
	}
	cur := signed.Marshal()
	prop := &PolicyProposal{Current: cur, Next: next.Marshal(), next: next, base: crypto.FileHash(cur), resolves: st.policyConflict}
	if edits {
		if crypto.FileHash(b) != v.policyHash && (shown == nil || crypto.FileHash(shown) != v.policyHash) {
			return nil, problemf(nil, unsignedEditsHint,
				"policy.yaml has unsigned edits, which this change would overwrite")
		}
		prop.ReplacesEdits, prop.edits = true, v.policyHash
	}
	return prop, nil
}

// ApplyPolicyProposal signs the proposal as one policy change, unless the
// signed policy or policy.yaml changed since it was made (then nothing is
// signed: the admin must see the change against what is there now).
func (v *Vault) ApplyPolicyProposal(prop *PolicyProposal, summary string) error {
	return v.changePolicyOver(prop.edits, summary, func(p *format.Policy) error {
		if crypto.FileHash(p.Marshal()) != prop.base || prop.edits != "" && v.policyHash != prop.edits {
			return problemf(nil, "run the command again to see the change against the policy as it is now",
				"the policy changed since the change was shown; nothing was signed")
		}
		*p = *prop.next
		return nil
	})
}

// CanChangePolicy checks, under the signed policy, that the current
// identity is an admin who can sign: policy edit asks before it opens an
// editor.
func (v *Vault) CanChangePolicy() error {
	if _, err := v.verifiedForRead(); err != nil {
		return err
	}
	_, err := v.admin()
	return err
}

// RestoreSignedPolicy writes the signed policy back over policy.yaml when a
// proposal from its unsigned edits changes nothing (they were layout and
// comments only): nothing to sign, and policy.yaml is canonical again.
func (v *Vault) RestoreSignedPolicy(prop *PolicyProposal) error {
	if !prop.Unchanged() || prop.edits == "" {
		return nil
	}
	return v.withLock(func() error {
		st, err := v.verified()
		if err != nil {
			return err
		}
		if st.policy != prop.base || v.policyHash != prop.edits {
			return problemf(nil, "run the command again", "policy.yaml or the signed policy changed meanwhile; nothing was written")
		}
		tmp, err := v.writeTemp(policyFileName, prop.Current)
		if err != nil {
			return err
		}
		if err := v.root.Rename(osPath(tmp), policyFileName); err != nil {
			v.root.Remove(osPath(tmp))
			return fmt.Errorf("writing %s: %w", policyFileName, unwrapPath(err))
		}
		return v.syncDir(".")
	})
}
