package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func resolveCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "resolve",
		Usage:     "record which of two concurrent versions of a secret stands after a merge",
		ArgsUsage: "NAME",
		Description: `After merging two branches that both changed NAME, tresor verify reports the
concurrent versions. Check out the one that should stand, then record it in a
signed entry (you must be a writer of NAME):

   git checkout --theirs -- .tresor/secrets/prod/db/password.secret
   tresor resolve prod/db/password

Writing a new value with tresor set resolves it too.`,
		Flags: withGlobal(),
		Action: func(c *cli.Context) error {
			name, err := oneArg(c, "NAME")
			if err != nil {
				return err
			}
			v, _, err := openWithIdentity(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			h, err := v.Resolve(name)
			if err != nil {
				return err
			}
			if h == nil {
				fmt.Fprintf(t.stderr, "tresor: resolved %s: it stays removed\n", name)
				return nil
			}
			fmt.Fprintf(t.stderr, "tresor: resolved %s: version %d stands\n", name, h.Version)
			return nil
		},
	}
}
