package cmd

import (
	"fmt"
	"os"
	"path/filepath"

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
			// new machine: make the missing directories, private.
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				return fmt.Errorf("creating %s: %w", filepath.Dir(out), unwrapPathErr(err))
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("creating %s: %w", out, unwrapPathErr(err))
			}
			if _, err := f.WriteString(id.FileText()); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(t.stderr, "tresor: wrote %s\npublic key: %s\n", out, id.Recipient())
			return nil
		},
	}
}
