package cmd

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func verifyCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check the journal, signatures, policy and every file (no identity needed)",
		Description: `Checks the vault with public data only, and explains each failure with the
journal entry and file involved:
  1. every journal entry parses and its file name matches its hash; every
     parent exists; exactly one genesis, the one vault.yaml (and --genesis) pins;
  2. replaying the journal, every signature is valid, every secret change is
     signed by a writer of that path and every policy change by an admin of
     the policy before it;
  3. every secret file and policy.yaml equals its latest entry; concurrent
     writes to one secret on merged branches are reported (tresor resolve);
  4. the journal has not gone backwards: no head this clone verified before
     is gone, no entry file was deleted by a commit of the current branch
     (git log), and the journal holds the --since pin. A shallow clone cannot
     see deletions before its cut: pin it with --since (docs/ci.md).
Signatures of entries this clone verified before are not checked again
(their bytes are pinned by their hashes); --full checks them all.
Exits 0 when all hold, 3 otherwise. Run it in CI and in the pre-commit hook.

Examples:
   tresor verify
   tresor verify --genesis 3f9a1c0b…   # pin the vault's origin in CI
   tresor verify --since "$(cat pin)"  # and the journal's last verified head
   tresor verify --json`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "genesis", Usage: "require the genesis entry to have this `HASH`"},
			&cli.BoolFlag{Name: "full", Usage: "re-check signatures this clone already verified"},
			&cli.BoolFlag{Name: "accept-rollback", Usage: "record the current heads although heads verified before are gone or the branch's history deleted entries (after a deliberate checkout of an older branch)"},
			&cli.StringFlag{Name: "since", Usage: "require the journal to contain the entry with this `HASH` (the pin a previous verify printed): catches a rollback on a shallow clone"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("", "tresor verify takes no arguments")
			}
			if g := c.String("genesis"); g != "" && !format.IsHash(g) {
				return usagef("the genesis hash is in vault.yaml and in tresor verify's output", "--genesis must be a 64-digit hex SHA-256")
			}
			if s := c.String("since"); s != "" && !format.IsHash(s) {
				return usagef("tresor verify prints the pin to keep: pin <HASH>", "--since must be a 64-digit hex SHA-256")
			}
			v, err := openVault(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			rep, err := v.Verify(vault.VerifyOptions{Genesis: c.String("genesis"), Full: c.Bool("full"), AcceptRollback: c.Bool("accept-rollback"), Since: c.String("since"), Progress: t.progress("verifying")})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if err := printJSON(t.stdout, rep); err != nil {
					return err
				}
			} else {
				printFindings(t, rep.Findings)
				for _, n := range rep.Notes {
					fmt.Fprintf(t.stderr, "tresor: note: %s\n", n)
				}
				if slices.ContainsFunc(rep.Findings, func(f vault.Finding) bool { return f.Conflict }) {
					noteGitSetup(t, v.Dir) // a merge happened: the drivers matter
				}
				if rep.OK() {
					fmt.Fprintf(t.stdout, "ok: %d journal entries, %d secrets, genesis %s\n", rep.Entries, rep.Secrets, rep.Genesis)
					fmt.Fprintf(t.stdout, "pin: %s\n", rep.Pin)
				}
			}
			if !rep.OK() {
				return verifyFailed(len(rep.Findings))
			}
			return nil
		},
	}
}

func verifyFailed(n int) error {
	return fmt.Errorf("%w: %d problem(s), listed above", vault.ErrVerify, n)
}

// printFindings prints one line per verification failure.
func printFindings(t *terminal, findings []vault.Finding) {
	for _, f := range findings {
		fmt.Fprintf(t.stdout, "%s [check %d] %s\n", t.paint(red, "FAIL"), f.Check, safeText(f.String()))
	}
}
