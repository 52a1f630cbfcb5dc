package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

func resolveCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "resolve",
		Usage:     "record which of two concurrent versions of a secret stands after a merge",
		ArgsUsage: "NAME",
		Description: `After merging two branches that both changed NAME, tresor verify reports the
concurrent versions. With tresor's merge driver (tresor git setup) git keeps
this branch's version whole; take the other branch's if it should stand, then
record it in a signed entry (you must be a writer of NAME) and tell git:

   git checkout --theirs -- .tresor/secrets/prod/db/password.secret   (optional)
   tresor resolve prod/db/password
   git add .tresor && git commit

Changed on one branch, removed on the other: git reports a modify/delete
conflict. To keep the secret, keep the file (git checkout --ours or --theirs,
whichever side changed it) and run tresor resolve NAME; to let the removal
stand, git rm the file and run tresor resolve NAME ("it stays removed").

Writing a new value with tresor set resolves it too. In a clone without the
merge driver, git writes conflict markers into the file: check out one
version as above before resolving.

Examples:
   tresor resolve prod/db/password
   tresor verify && git add .tresor && git commit`,
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
			dir := relOrAbs(v.Dir)
			if h == nil {
				fmt.Fprintf(t.stderr, "tresor: resolved %s: it stays removed\n", name)
			} else {
				fmt.Fprintf(t.stderr, "tresor: resolved %s: version %d stands\n", name, h.Version)
			}
			// The new journal entry (and, for git, the settled file) are
			// part of the merge commit.
			fmt.Fprintf(t.stderr, "tresor: next: git add %s && git commit (the resolution is a new journal entry in %s)\n",
				dir, filepath.Join(dir, "journal"))
			noteGitSetup(t, v.Dir)
			return nil
		},
	}
}
