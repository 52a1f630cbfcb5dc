package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/githook"
)

func hookCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "hook",
		Usage: "install or remove the git pre-commit hook that checks the vault",
		Description: `tresor hook install writes a pre-commit hook that runs tresor verify and
tresor scan --staged before every commit and blocks the commit when either
fails. It goes where git runs hooks from: core.hooksPath when that is set,
else .git/hooks (git rev-parse --git-path hooks). A pre-commit hook that is
there already keeps running: it moves to pre-commit.tresor-chained and
tresor's hook runs it first; --force replaces it instead. Installing again
updates tresor's hook. tresor hook uninstall puts the previous hook back.

Teams on the pre-commit framework (pre-commit.com) use the hook ids
tresor-verify and tresor-scan of this repository instead.

Examples:
   tresor hook install
   tresor hook uninstall`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "write the pre-commit hook (chaining an existing one)",
				Description: `Writes a pre-commit hook that runs tresor verify and tresor scan --staged;
an existing hook moves to pre-commit.tresor-chained and runs first.

Examples:
   tresor hook install
   tresor hook install --force   # replace the existing hook instead`,
				Flags: withGlobal(
					&cli.BoolFlag{Name: "force", Usage: "replace an existing pre-commit hook instead of chaining it"},
				),
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("", "tresor hook install takes no arguments")
					}
					return runHookInstall(c, t)
				},
			},
			{
				Name:  "uninstall",
				Usage: "remove tresor's pre-commit hook and restore the one it chained",
				Description: `Removes tresor's pre-commit hook and puts back the hook it chained, if any.

Examples:
   tresor hook uninstall`,
				Flags: withGlobal(),
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return usagef("", "tresor hook uninstall takes no arguments")
					}
					return runHookUninstall(t)
				},
			},
		},
	}
}

func runHookInstall(c *cli.Context, t *terminal) error {
	// The hook checks a vault: without one it would block every commit.
	vdir, err := vaultDir(c)
	if err != nil {
		return err
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	top, err := githook.TopLevel(wd)
	if err != nil {
		return hintedf("run it inside the git work tree that holds the vault", "%v", err)
	}
	dir, err := githook.Dir(wd)
	if err != nil {
		return err
	}
	h := githook.Hook{Vault: githook.VaultPath(top, vdir), Scan: true}
	res, err := githook.Install(dir, h, c.Bool("force"))
	if errors.Is(err, githook.ErrNotOurs) {
		return hintedf("move one of them away, or pass --force to replace both", "%v", err)
	}
	if err != nil {
		return err
	}
	switch {
	case res.Updated:
		fmt.Fprintf(t.stderr, "updated the pre-commit hook %s\n", res.Path)
	default:
		fmt.Fprintf(t.stderr, "installed the pre-commit hook %s\n", res.Path)
	}
	if res.Chained != "" {
		fmt.Fprintf(t.stderr, "it runs the hook that was there first, now %s\n", res.Chained)
	}
	if res.Replaced {
		fmt.Fprintf(t.stderr, "it replaced the hook that was there (--force)\n")
	}
	return nil
}

func runHookUninstall(t *terminal) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	dir, err := githook.Dir(wd)
	if err != nil {
		return err
	}
	res, err := githook.Uninstall(dir)
	if errors.Is(err, githook.ErrNotOurs) {
		return hintedf("tresor removes only the hook tresor hook install wrote", "%v", err)
	}
	if err != nil {
		return err
	}
	switch {
	case res.Path == "" && !res.Restored:
		fmt.Fprintf(t.stderr, "no tresor pre-commit hook in %s\n", dir)
	case res.Path != "":
		fmt.Fprintf(t.stderr, "removed the pre-commit hook %s\n", res.Path)
	}
	if res.Restored {
		fmt.Fprintf(t.stderr, "restored the hook it chained as %s\n", filepath.Join(dir, "pre-commit"))
	}
	return nil
}
