package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func doctorCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "explain and repair what an interrupted change left behind",
		Description: `Finds what a crash or kill in the middle of a change left behind: temporary
files, a journal entry whose files were not yet moved into place, a file
removed by the journal but still present. It completes changes the journal
recorded and rolls back the ones it did not, then verifies the vault.
--dry-run only explains.

Examples:
   tresor doctor --dry-run
   tresor doctor`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "explain, change nothing"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			v, err := openVault(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			rep, err := v.Doctor(!c.Bool("dry-run"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if err := printJSON(t.stdout, rep); err != nil {
					return err
				}
			} else {
				for _, r := range rep.Repairs {
					fmt.Fprintf(t.stdout, "%s: %s: %s\n", r.File, r.Found, r.Action)
				}
				if len(rep.Repairs) == 0 {
					fmt.Fprintln(t.stdout, "nothing left behind by an interrupted change")
				}
				printFindings(t, rep.Verify.Findings)
				if rep.Verify.OK() {
					fmt.Fprintln(t.stdout, "the vault verifies")
				}
			}
			if rep.ReadOnly && len(rep.Repairs) > 0 {
				t.note("this checkout is read-only: nothing was repaired; run tresor doctor in a writable clone of the same commit")
			}
			if !rep.Verify.OK() {
				return verifyFailed(len(rep.Verify.Findings))
			}
			if rep.ReadOnly && len(rep.Repairs) > 0 {
				return hintedf("run tresor doctor in a writable clone of the same commit", "this checkout is read-only: nothing was repaired")
			}
			return nil
		},
	}
}
