package vault

import (
	"bytes"
	"path"
	"strings"

	"github.com/tresor-dev/tresor/format"
)

// ScanAllowFileName is the file, in the vault directory, of the findings
// tresor scan lets through (vault/scan reads it).
const ScanAllowFileName = "scan-allow.yaml"

// ScanFileProblem says why a file git would commit at rel, a path relative
// to the vault directory, with content, is no part of the vault's format,
// or "" if it is. It is listVault's judgement (listing.go) for a file in
// git's index rather than on disk: plaintext dropped into the vault, an
// editor's swap or backup file, a key file. A write's temporary file, which
// the work tree may hold for a moment, is never to be committed.
func ScanFileProblem(rel string, content []byte) string {
	top, rest, nested := strings.Cut(rel, "/")
	if isTempName(path.Base(rel)) {
		return "is a write's temporary file (tresor doctor removes it; do not commit it)"
	}
	if !nested {
		switch rel {
		case vaultFileName, policyFileName, ScanAllowFileName:
			return ""
		case ".gitattributes":
			if !isTresorGitattributes(content) {
				return "is not the .gitattributes tresor writes"
			}
			return ""
		case ".gitignore":
			if !bytes.Equal(content, []byte(legacyGitignore)) {
				return "is not the .gitignore an earlier tresor wrote (tresor writes none now)"
			}
			return ""
		}
		return "is not part of a tresor vault (only vault.yaml, policy.yaml, scan-allow.yaml, .gitattributes, secrets/ and journal/ are)"
	}
	switch top {
	case journalDir:
		if _, _, ok := format.ParseEntryFileName(rest); !ok || strings.Contains(rest, "/") {
			return "is not a journal entry (journal/NNNNNNNN-<hash>.entry)"
		}
		if _, err := format.ParseEntry(content); err != nil {
			return "is not a journal entry tresor wrote (it does not parse)"
		}
		return ""
	case secretsDir:
		if rest == ".keep" {
			return ""
		}
		secret, ok := strings.CutSuffix(rest, secretExt)
		if !ok {
			return "is not a secret file (no " + secretExt + " extension)"
		}
		if err := format.ValidateName(secret); err != nil {
			return "is not a valid secret file name: " + err.Error()
		}
		if _, err := format.ParseSecret(content); err != nil {
			return "is not a secret file tresor wrote (it does not parse)"
		}
		return ""
	case legacyLocalDir:
		return "is an earlier tresor's per-clone state (never to be committed)"
	}
	return "is not part of a tresor vault (only vault.yaml, policy.yaml, scan-allow.yaml, .gitattributes, secrets/ and journal/ are)"
}

// IsSecretFile reports whether rel, relative to the vault directory, is
// where a secret's file is, and which secret's.
func IsSecretFile(rel string) (name string, ok bool) {
	rest, ok := strings.CutPrefix(rel, secretsDir+"/")
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(rest, secretExt)
	return name, ok && format.ValidateName(name) == nil
}

// IsJournalEntry reports whether rel, relative to the vault directory, is a
// journal entry's file.
func IsJournalEntry(rel string) bool {
	rest, ok := strings.CutPrefix(rel, journalDir+"/")
	if !ok || strings.Contains(rest, "/") {
		return false
	}
	_, _, ok = format.ParseEntryFileName(rest)
	return ok
}
