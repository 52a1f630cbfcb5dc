package cmd

import (
	"errors"
	"io/fs"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/vault"
)

// vaultDir is --vault (or TRESOR_VAULT), else the vault found by walking up
// from the working directory.
func vaultDir(c *cli.Context) (string, error) {
	if d := globalFlag(c, "vault"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return vault.Discover(wd)
}

// openVault opens the vault without an identity, for commands that read
// only public data.
func openVault(c *cli.Context, t *terminal) (*vault.Vault, error) {
	dir, err := vaultDir(c)
	if err != nil {
		return nil, err
	}
	return vault.Open(dir, vault.Options{Now: testNow(), Warn: func(msg string) { t.note("warning: %s", msg) }})
}

// globalFlag reads --vault or --identity, which may come before the command
// name (tresor --identity F get x) or after it (tresor get x --identity F).
// Both levels define the flag, and c.String alone reads only the nearest
// level that defines it, set or not, so a flag given before the command
// name was silently ignored. The nearest level that set it wins.
func globalFlag(c *cli.Context, name string) string {
	for _, cc := range c.Lineage() {
		if cc.IsSet(name) {
			return cc.String(name)
		}
	}
	return c.String(name)
}

func identityEnv() crypto.Env {
	home, _ := os.UserHomeDir()
	return crypto.Env{Getenv: os.Getenv, Home: home}
}

// findIdentity looks the identity up in the documented order.
func findIdentity(c *cli.Context, t *terminal, plugins []string) (*crypto.Found, error) {
	srcs := crypto.DefaultSources(globalFlag(c, "identity"), identityEnv(), crypto.OSKeyring{})
	found, err := crypto.FindIdentity(srcs, crypto.ParseOptions{
		Passphrase: t.passphrase("the identity"),
		Plugins:    plugins,
		PluginUI:   t.pluginUI(),
	})
	if err == nil {
		for _, w := range found.Warnings {
			t.note("warning: %s", w) // an identity file others can read
		}
	}
	return found, err
}

// openForWrite is openWithIdentity for commands that change the vault: in a
// clone whose git lacks tresor's merge driver, the first of them says so
// once (the changes they make are what later merges carry).
func openForWrite(c *cli.Context, t *terminal) (*vault.Vault, *crypto.Found, error) {
	v, id, err := openWithIdentity(c, t)
	// A non-member's write fails (vault.NotMemberHint): the note would
	// only crowd that error, and be spent on a change that never happens.
	if err == nil && v.IsMember() && v.GitSetupNoteDue() {
		t.note("note: this clone's git has no tresor merge driver (a merge would write conflict markers into secret files); run %s (said once per clone)", vault.GitSetupCommand)
	}
	return v, id, err
}

// openWithIdentity opens the vault and sets the user's identity on it.
func openWithIdentity(c *cli.Context, t *terminal) (*vault.Vault, *crypto.Found, error) {
	v, err := openVault(c, t)
	if err != nil {
		return nil, nil, err
	}
	plugins, err := v.Plugins()
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	id, err := findIdentity(c, t, plugins)
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	v.SetIdentity(id.Identity)
	return v, id, nil
}

// selectEnvironment opens the vault with the user's identity and decrypts
// the secrets --prefix and --only select, noting on stderr what was skipped
// and what needs attention. The caller closes the vault.
func selectEnvironment(c *cli.Context, t *terminal, only []string) (*vault.Vault, *vault.Environment, error) {
	v, _, err := openWithIdentity(c, t)
	if err != nil {
		return nil, nil, err
	}
	env, err := v.Environment(vault.Selector{Prefix: c.String("prefix"), Only: only})
	if err != nil {
		v.Close()
		return nil, nil, err
	}
	for _, s := range env.Skipped {
		t.note("skipped %s: %s", s.Name, s.Reason)
	}
	for _, w := range env.Warnings {
		t.note("warning: %s", w)
	}
	return v, env, nil
}

// withGlobal adds --vault and --identity to a command's flags, so they may
// follow the command name as well as precede it.
func withGlobal(flags ...cli.Flag) []cli.Flag {
	return append(flags,
		&cli.StringFlag{Name: "vault", Usage: "the vault `DIR` (default: .tresor/ found by walking up)", EnvVars: []string{"TRESOR_VAULT"}},
		&cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "read the identity from `FILE`"},
	)
}

// unwrapPathErr drops the path an *fs.PathError repeats (messages name it
// already).
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
