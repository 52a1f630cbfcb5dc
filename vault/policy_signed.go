package vault

import (
	"errors"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
)

// policy.yaml is a file in the work tree: a person may edit it by hand and
// git may bring anyone's edit of it. Neither is the policy. The policy in
// force is the one the journal's latest policy entry records and an admin
// signed (its Details.Policy holds the whole text); while policy.yaml holds
// anything else, tresor reads and writes under the signed policy, says so
// once per command, and verify reports the unsigned edits until an admin
// signs them (tresor policy apply of the working copy, or tresor policy
// edit) or they are discarded with git checkout.

// unsignedEditsHint is what to do about unsigned edits of policy.yaml.
const unsignedEditsHint = "an admin signs them with tresor policy apply " + DirName + "/" + policyFileName +
	" or tresor policy edit, or git checkout -- " + DirName + "/" + policyFileName + " discards them"

func unsignedEditsFinding(entry string) Finding {
	return Finding{Check: CheckFiles, Entry: entry, File: policyFileName, Unsigned: true,
		Message: "policy.yaml has unsigned edits: it is not the policy its latest entry records, so tresor goes on under the signed policy; " + unsignedEditsHint}
}

// unknownPolicy stands in for a policy.yaml that does not parse until the
// signed policy replaces it: no members, so it allows nothing.
func unknownPolicy() *format.Policy {
	return &format.Policy{Tresor: format.PolicyTag, Members: format.MemberMap{}, Groups: format.GroupMap{}}
}

// holdsPolicy reports whether the state is for policy.yaml with hash h:
// the signed policy itself, or the unsigned edits it recorded.
func (st *verifiedState) holdsPolicy(h string) bool {
	return h == st.policy || st.policyFile != "" && h == st.policyFile
}

// useSignedPolicy makes Policy the signed policy the verified state st
// records. It is a no-op while policy.yaml is that policy; otherwise the
// policy comes from the verification that made st, or from the journal
// entry st pinned (every read checks that entry file is unchanged), and
// the user is told once that policy.yaml's edits are not in force.
func (v *Vault) useSignedPolicy(st *verifiedState) error {
	if v.policyUsed == st.policy {
		return nil
	}
	p := st.signed
	if p == nil {
		var err error
		if p, err = v.readSignedPolicy(st); err != nil {
			return err
		}
		st.signed = p
	}
	v.Policy, v.policyUsed = p, st.policy
	v.sealer = crypto.Sealer{Plugins: p.Plugins()}
	if v.policyHash != st.policy && !v.warnedEdits {
		v.warnedEdits = true
		v.warn("policy.yaml has unsigned edits, which are not in force: tresor uses the signed policy; " + unsignedEditsHint)
	}
	return nil
}

// readSignedPolicy reads the signed policy from the entry st pinned.
func (v *Vault) readSignedPolicy(st *verifiedState) (*format.Policy, error) {
	if _, _, ok := format.ParseEntryFileName(st.policyEntry); !ok {
		return nil, errors.New("the verified state names no policy entry")
	}
	b, err := v.readFile(journalDir+"/"+st.policyEntry, maxEntryRead)
	if err != nil {
		return nil, err
	}
	e, err := format.ParseEntry(b)
	if err != nil {
		return nil, err
	}
	if e.Details == nil || crypto.FileHash([]byte(e.Details.Policy)) != st.policy {
		return nil, errors.New("the policy entry is not the one verified")
	}
	return format.ParsePolicy([]byte(e.Details.Policy))
}

// SignedPolicy verifies the journal and returns the policy in force: the
// signed one, whatever policy.yaml holds. Edits says whether policy.yaml
// holds unsigned edits.
func (v *Vault) SignedPolicy() (p *format.Policy, edits bool, err error) {
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, false, err
	}
	return v.Policy, st.policyFile != "" && v.policyHash == st.policyFile, nil
}

// checkNoUnsignedEdits refuses a policy change that would overwrite
// unsigned edits of policy.yaml without the admin having seen them: only a
// proposal that showed them (ProposePolicy, ReplacesEdits: edits is their
// hash) replaces them.
func (v *Vault) checkNoUnsignedEdits(st *verifiedState, edits string) error {
	if v.policyHash == st.policy || edits != "" && v.policyHash == edits {
		return nil
	}
	return problemf(nil, unsignedEditsHint,
		"policy.yaml has unsigned edits, which this change would overwrite")
}
