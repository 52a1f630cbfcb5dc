package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
)

func keygenCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "keygen",
		Usage:     "print a new identity",
		ArgsUsage: " ",
		Description: `Prints a new identity: post-quantum hybrid (AGE-SECRET-KEY-PQ-1…) by default,
X25519 (AGE-SECRET-KEY-1…) with --classic. Its recipient and signer are in
comments. With -o the identity goes to FILE (created 0600, never overwritten).

Examples:
   tresor keygen -o ~/.config/tresor/identity
   tresor keygen --classic > ci.key`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "classic", Usage: "make an age X25519 key instead of a post-quantum one"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the identity to `FILE`"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("", "unexpected argument %q", c.Args().First())
			}
			id, err := crypto.Generate(c.Bool("classic"))
			if err != nil {
				return err
			}
			out := c.String("output")
			if out == "" {
				if t.stdoutTTY {
					t.note("this is a private key: keep it secret")
				}
				return writeAll(t.stdout, []byte(id.FileText()))
			}
			// The default place (~/.config/tresor/) may not exist yet on a
			// new machine: WriteKeyFile makes the missing directories,
			// private, and never overwrites an existing file.
			if err := crypto.WriteKeyFile(out, []byte(id.FileText()), false); err != nil {
				return err
			}
			fmt.Fprintf(t.stderr, "tresor: wrote %s\npublic key: %s\n", out, id.Recipient())
			return nil
		},
	}
}
