package cmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/tresor-dev/tresor/vault"
)

// signPolicyChange shows a checked policy change and signs it: the step
// policy apply and policy edit share. Edits of policy.yaml that no admin
// signed (someone typed them, or a push brought them) are signed only
// after the admin confirms on a terminal, or with --yes: never blindly.
func signPolicyChange(t *terminal, v *vault.Vault, prop *vault.PolicyProposal, summary string, yes bool) error {
	if prop.Unchanged() {
		if prop.ReplacesEdits {
			if err := v.RestoreSignedPolicy(prop); err != nil {
				return err
			}
			t.note("policy.yaml differed from the signed policy only in layout or comments: nothing to sign; it is canonical again")
			return nil
		}
		t.note("the policy is unchanged; nothing signed")
		return nil
	}
	writeLineDiff(t.stderr, t, "signed policy", "proposed policy", prop.Current, prop.Next)
	if prop.ReplacesEdits && !yes {
		if !t.stdinTTY {
			return usagef("review the change above, then run the command again with --yes",
				"policy.yaml holds unsigned edits, which are signed only when you confirm; stdin is not a terminal")
		}
		who, _ := v.Member()
		ok, err := t.confirm(fmt.Sprintf("sign this change as %s? [y/N] ", who))
		if err != nil {
			return err
		}
		if !ok {
			return hintedf("git checkout -- "+vault.DirName+"/policy.yaml discards the unsigned edits", "not confirmed; nothing was signed")
		}
	}
	v.OnRevocationProgress(t.progress("re-encrypting"))
	if err := v.ApplyPolicyProposal(prop, summary); err != nil {
		return err
	}
	if rev := v.Revocation(); rev != nil {
		// It took read access: re-encrypted and reported (revocation.go).
		t.note("policy applied")
		return printRevocation(t, rev, false)
	}
	t.note("policy applied; run tresor reencrypt to make readers follow it")
	return nil
}

// confirm asks a yes/no question on the terminal; only y or yes is yes.
func (t *terminal) confirm(prompt string) (bool, error) {
	if !t.stdinTTY {
		return false, errNoTerminal
	}
	fmt.Fprint(t.stderr, prompt)
	line, err := bufio.NewReader(t.stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
