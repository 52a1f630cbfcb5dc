package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func reencryptCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "reencrypt",
		Usage:     "make every secret's readers what the policy says",
		ArgsUsage: "[PREFIX]",
		Description: `Re-encrypts the secrets under PREFIX (all by default) whose readers differ
from the policy, after adding or removing members or changing rules. Only
what changed is re-encrypted (everything with --force, e.g. after a member's
key changed). You must be a reader of each such secret, and its writer or an
admin; the others are listed as skipped. All changes are one journal entry.

--force also retires the read keys you sealed those secrets under: every file
it re-encrypts, and everything you write for the same readers afterwards,
gets a fresh read key. Run it when a read key may have leaked (a reader's
machine or memory was exposed), then rotate the values that key opened.

Examples:
   tresor reencrypt
   tresor reencrypt prod/ --json
   tresor reencrypt --force prod/`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "force", Usage: "re-encrypt even secrets whose readers already match, under fresh read keys"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("", "tresor reencrypt takes at most one PREFIX")
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			res, err := v.Reencrypt(c.Args().First(), c.Bool("force"), t.progress("reencrypting"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(t.stdout, res)
			}
			for _, n := range res.Changed {
				fmt.Fprintf(t.stdout, "re-encrypted %s\n", n)
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(t.stdout, "skipped %s: %s\n", s.Name, s.Reason)
			}
			fmt.Fprintf(t.stderr, "tresor: %d re-encrypted, %d already right, %d skipped\n", len(res.Changed), res.Unchanged, len(res.Skipped))
			return nil
		},
	}
}
