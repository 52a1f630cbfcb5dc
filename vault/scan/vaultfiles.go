package scan

import (
	"strings"

	"github.com/tresor-dev/tresor/vault"
)

// VaultFiles checks the files under the vault directory, which is at prefix
// ("team/.tresor/", relative to the same top as the files' paths): each must
// be part of the vault's format (vault.ScanFileProblem). With staged, files
// are what the next commit records, and a secret file changed there needs a
// new journal entry staged with it: without one, the commit would record a
// vault that fails verify. It returns the findings and the files that are
// no part of the vault, which are to be scanned like any other.
func VaultFiles(files []File, prefix string, staged bool) (findings []Finding, rest []File) {
	newEntry := false
	var changedSecrets []File
	for _, f := range files {
		rel, ok := strings.CutPrefix(f.Path, prefix)
		if !ok {
			rest = append(rest, f)
			continue
		}
		if why := vault.ScanFileProblem(rel, f.Content); why != "" {
			findings = append(findings, Finding{File: f.Path, Kind: KindVault, What: why})
			rest = append(rest, f) // plaintext, perhaps: look into it
			continue
		}
		if _, ok := vault.IsSecretFile(rel); ok {
			changedSecrets = append(changedSecrets, f)
		}
		if vault.IsJournalEntry(rel) && f.Added {
			newEntry = true
		}
	}
	if staged && !newEntry {
		for _, f := range changedSecrets {
			findings = append(findings, Finding{File: f.Path, Kind: KindVault,
				What: "is changed without a new journal entry staged (stage the entry tresor wrote with it: git add " + prefix + "journal)"})
		}
	}
	return findings, rest
}
