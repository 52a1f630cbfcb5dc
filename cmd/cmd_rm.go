package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func rmCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "remove a secret",
		ArgsUsage: "NAME",
		Description: `Removes the secret NAME and records it in the journal. Its old versions stay
in git history: rotate the real credential if it must stop working.

Examples:
   tresor rm staging/old-token`,
		Flags: withGlobal(),
		Action: func(c *cli.Context) error {
			name, err := oneArg(c, "NAME")
			if err != nil {
				return err
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			if err := v.Remove(name); err != nil {
				return err
			}
			fmt.Fprintf(t.stderr, "tresor: removed %s\n", name)
			return nil
		},
	}
}

func mvCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "mv",
		Usage:     "rename a secret",
		ArgsUsage: "OLD NEW",
		Description: `Renames a secret. The name is bound into the encrypted payload, so the value
is re-encrypted under the new name, to the readers the policy gives it: you
must be able to read OLD and write both names.

Examples:
   tresor mv dev/token staging/token`,
		Flags: withGlobal(),
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef("tresor mv OLD NEW", "tresor mv takes two names, got %d arguments", c.NArg())
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			m, err := v.Move(c.Args().Get(0), c.Args().Get(1))
			if err != nil {
				return err
			}
			h := m.Header
			fmt.Fprintf(t.stderr, "tresor: moved %s to %s (version %d, readers: %s)\n", c.Args().Get(0), h.Name, h.Version, joinNames(h.Readers))
			if len(m.Dropped) > 0 {
				fmt.Fprintf(t.stderr, "tresor: warning: %s could read %s and cannot read %s, but may have kept the value: it is marked exposed\n",
					joinNames(m.Dropped), c.Args().Get(0), h.Name)
				fmt.Fprintf(t.stderr, "tresor: hint: give it a new value: tresor rotate %s (or tresor set %s)\n", h.Name, h.Name)
			}
			return nil
		},
	}
}
