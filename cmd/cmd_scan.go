package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/vault"
	"github.com/tresor-dev/tresor/vault/scan"
)

func scanCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "find secret values and credentials in files about to be committed",
		ArgsUsage: "[--staged | --all | PATH...]",
		Description: `Looks for what must not be committed, in one pass over each file:
  1. the exact value of every secret you can read, and its base64 (standard
     and URL, padded or not, also inside a longer base64 stream), hex (either
     case) and URL-encoded forms, for values of 8 bytes or more;
  2. under .tresor/, any file that is not part of the vault (plaintext dropped
     in, editor swap and backup files, key files);
  3. a secret file changed without a new journal entry staged (--staged);
  4. well-known credential formats: PEM and OpenSSH private keys, age secret
     keys, AWS access key ids, GitHub, GitLab, Slack and Stripe tokens, Google
     API keys, JWTs.
Each finding names the file, the line and what matched (the secret's name or
the pattern's), never the value, and its fingerprint in brackets. A line
that contains tresor:allow is not reported, nor a finding whose fingerprint
.tresor/scan-allow.yaml lists (docs/formats.md). Without an identity, checks 2 to 4 still run and tresor says that
exact-value matching was skipped.

--staged (the default, and the pre-commit hook's mode) reads the files added
or modified in git's index, as staged; --all reads every tracked file in the
work tree; PATHs reads those files. Exits 0 when nothing is found, 1 when
something is.

Examples:
   tresor scan                 # what git commit would record
   tresor scan --all --json
   tresor scan config/app.yaml`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "staged", Usage: "scan the files staged in git's index (the default)"},
			&cli.BoolFlag{Name: "all", Usage: "scan every tracked file in the work tree"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			mode := "staged"
			switch {
			case c.Bool("staged") && c.Bool("all"), c.NArg() > 0 && (c.Bool("staged") || c.Bool("all")):
				return usagef("tresor scan --help shows its usage", "choose one of --staged, --all and PATHs")
			case c.Bool("all"):
				mode = "all"
			case c.NArg() > 0:
				mode = "paths"
			}
			return runScan(c, t, mode, c.Args().Slice())
		},
	}
}

// scanReport is what tresor scan --json prints.
type scanReport struct {
	Files    int            `json:"files"`
	Secrets  int            `json:"secrets"` // values looked for
	Findings []scan.Finding `json:"findings"`
	Notes    []string       `json:"notes,omitempty"`
}

func runScan(c *cli.Context, t *terminal, mode string, paths []string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	top, gitErr := vault.GitRoot(wd)
	if mode != "paths" && gitErr != nil {
		return hintedf("run it inside a git work tree, or name the files to scan", "tresor scan --%s needs a git repository: %v", mode, unwrapPathErr(gitErr))
	}
	rep := &scanReport{Findings: []scan.Finding{}}

	var files []scan.File
	switch mode {
	case "staged":
		files, err = scan.Staged(top)
	case "all":
		files, err = scan.Tracked(top)
	default:
		files, err = readScanPaths(paths, top)
	}
	if err != nil {
		return err
	}
	rep.Files = len(files)

	values, vaultPrefix, allow, notes, err := scanValues(c, t, top)
	if err != nil {
		return err
	}
	rep.Notes = append(rep.Notes, notes...)
	rest := files
	var vaultFindings []scan.Finding
	if vaultPrefix != "" {
		vaultFindings, rest = scan.VaultFiles(files, vaultPrefix, mode == "staged")
	}
	s := scan.NewScanner(values)
	for _, v := range values {
		clear(v.Value) // the scanner holds its own copy
	}
	if allow != nil {
		s.Allow(allow.vaultID, allow.list)
	}
	rep.Secrets = len(values) - s.Skipped()
	if n := s.Skipped(); n > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d secret value(s) shorter than 8 bytes are not looked for", n))
	}
	rep.Findings = append(rep.Findings, s.Filter(vaultFindings)...)
	for _, f := range rest {
		rep.Findings = append(rep.Findings, s.File(f.Path, f.Content)...)
	}

	if c.Bool("json") {
		if err := printJSON(t.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintln(t.stdout, formatFinding(f))
		}
		for _, n := range rep.Notes {
			t.note("note: %s", n)
		}
		if len(rep.Findings) == 0 {
			fmt.Fprintf(t.stdout, "ok: %d file(s) scanned, %d secret value(s) looked for\n", rep.Files, rep.Secrets)
		}
	}
	if len(rep.Findings) > 0 {
		return hintedf("take them out of what you commit (git restore --staged FILE unstages a file); a line meant to stay can say tresor:allow, or list the [fingerprint] in .tresor/scan-allow.yaml",
			"scan found %d problem(s), listed above", len(rep.Findings))
	}
	return nil
}

// formatFinding is one line: where, what, and the value masked.
func formatFinding(f scan.Finding) string {
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	var line string
	switch f.Kind {
	case scan.KindSecret:
		line = fmt.Sprintf("%s: the value of secret %s (%s): %s", where, f.What, f.Form, f.Masked)
	case scan.KindPattern:
		line = fmt.Sprintf("%s: looks like a credential (%s): %s", where, f.What, f.Masked)
	default:
		line = fmt.Sprintf("%s: %s", where, f.What)
	}
	if f.Fingerprint != "" {
		line += " [" + f.Fingerprint + "]"
	}
	return safeText(line)
}

// scanValues finds the vault and reads the values the identity can read.
// Without a vault or an identity, there are no values, and a note says why.
// vaultPrefix is the vault directory relative to top, with a trailing '/'
// ("" when there is no vault in this work tree).
func scanValues(c *cli.Context, t *terminal, top string) (values []scan.Value, vaultPrefix string, allow *scanAllow, notes []string, err error) {
	dir, err := vaultDir(c)
	if err != nil {
		return nil, "", nil, []string{"no vault found: only credential formats are looked for"}, nil
	}
	if top != "" {
		if rel, err := filepath.Rel(top, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			vaultPrefix = filepath.ToSlash(rel) + "/"
		}
	}
	v, err := openVault(c, t)
	if err != nil {
		return nil, vaultPrefix, nil, nil, err
	}
	defer v.Close()
	b, err := v.ScanAllowFile(scan.MaxAllowFileSize)
	if err != nil {
		return nil, vaultPrefix, nil, nil, err
	}
	list, err := scan.ParseAllowList(b)
	if err != nil {
		return nil, vaultPrefix, nil, nil, hintedf("each entry is a fingerprint tresor scan printed (docs/formats.md)", "%v", err)
	}
	allow = &scanAllow{vaultID: v.File.ID, list: list}
	if b != nil {
		signed, hash, err := v.ScanAllowSigned(b)
		if err != nil {
			return nil, vaultPrefix, nil, nil, err
		}
		if !signed {
			if allow.list, err = scan.ParseAllowList(nil); err != nil {
				return nil, vaultPrefix, nil, nil, err
			}
			notes = append(notes, "scan-allow.yaml is not approved in the signed policy, so its allowances are ignored: an admin approves it with settings: {scan-allow: "+hash+"} in the policy (tresor policy show > p.yaml, edit, tresor policy apply p.yaml)")
		}
	}
	plugins, err := v.Plugins()
	if err != nil {
		return nil, vaultPrefix, nil, nil, err
	}
	id, err := findIdentity(c, t, plugins)
	if err != nil {
		return nil, vaultPrefix, allow, append(notes, "exact-value matching skipped: "+oneLine(err.Error())), nil
	}
	v.SetIdentity(id.Identity)
	// A vault that fails verification is an error (exit 3), as for every
	// read: nothing in it is trusted, and nothing should be committed.
	read, skipped, err := v.ScanValues()
	if err != nil {
		return nil, vaultPrefix, nil, nil, err
	}
	if len(skipped) > 0 {
		notes = append(notes, fmt.Sprintf("%d secret(s) you cannot read are not looked for", len(skipped)))
	}
	values = make([]scan.Value, len(read))
	for i, r := range read {
		values[i] = scan.Value{Secret: r.Secret, Value: r.Value}
	}
	return values, vaultPrefix, allow, notes, nil
}

// scanAllow is what lets findings through: the vault's scan-allow.yaml, and
// the id that keys its fingerprints.
type scanAllow struct {
	vaultID string
	list    *scan.AllowList
}

// readScanPaths reads the files named on the command line. A file inside
// the work tree at top is reported by its path from there, so that the
// vault's files are recognised.
// maxScanFile bounds one file tresor scan reads.
const maxScanFile = 1 << 30

func readScanPaths(paths []string, top string) ([]scan.File, error) {
	var files []scan.File
	for _, p := range paths {
		b, err := readUserFile(nil, p, "file", maxScanFile)
		if err != nil {
			return nil, err
		}
		name := filepath.ToSlash(p)
		if top != "" {
			if abs, err := filepath.Abs(p); err == nil {
				if rel, err := filepath.Rel(top, abs); err == nil && !strings.HasPrefix(rel, "..") {
					name = filepath.ToSlash(rel)
				}
			}
		}
		files = append(files, scan.File{Path: name, Content: b})
	}
	return files, nil
}
