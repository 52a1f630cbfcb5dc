package vault

import (
	"sort"
)

// Shell completion asks for names on every Tab: it must be fast, never
// prompt and never decrypt. Names are not secret (they are file paths in
// the repository), and a completion decides nothing, so these read the
// work tree as it is, without verifying the journal or taking the lock.

// CompletionSecretNames lists the names of the secret files in the work
// tree, sorted.
func (v *Vault) CompletionSecretNames() []string {
	l, err := v.listVault()
	if err != nil {
		return nil
	}
	return l.names
}

// CompletionMemberNames lists the members: of the signed policy when this
// clone's verified state is current, else of policy.yaml as it is.
func (v *Vault) CompletionMemberNames() []string {
	v.freshVerifiedState() // adopts the signed policy when it can
	names := make([]string, 0, len(v.Policy.Members))
	for n := range v.Policy.Members {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
