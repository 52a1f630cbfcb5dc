package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/vault"
)

func initCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a vault in this git repository",
		ArgsUsage: " ",
		Description: `Creates .tresor/ at the root of the git work tree (or --vault DIR) with you as
its only member and admin. If you have no identity yet, tresor makes a
post-quantum one and keeps it in the OS keyring (or in ~/.config/tresor/identity,
0600, when there is no keyring).

Examples:
   tresor init
   tresor init --name alice
   tresor init --vault ./secrets-vault`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "name", Usage: "your member `NAME` (default: your user name)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("tresor init takes no arguments", "unexpected argument %q", c.Args().First())
			}
			dir := globalFlag(c, "vault")
			if dir == "" {
				wd, err := os.Getwd()
				if err != nil {
					return err
				}
				top, err := vault.GitRoot(wd)
				if err != nil {
					return err
				}
				dir = filepath.Join(top, vault.DirName)
			}
			name := c.String("name")
			if name == "" {
				if name = defaultMemberName(); name == "" {
					// Containers often have no USER: a made-up member name
					// would end up in the signed policy and every entry.
					return usagef("pass --name NAME with the member name you want in the policy, e.g. --name alice",
						"no member name: --name is not given and USER, USERNAME and LOGNAME are not set")
				}
			}
			id, created, err := identityForInit(c, t)
			if err != nil {
				return err
			}
			v, err := vault.Init(dir, vault.InitOptions{Member: name, Identity: id.Identity, Now: testNow()})
			if err != nil {
				return err
			}
			defer v.Close()
			w := t.stdout
			fmt.Fprintf(w, "created vault %s\n", v.Dir)
			fmt.Fprintf(w, "  member:   %s (admin)\n", name)
			if created {
				fmt.Fprintf(w, "  identity: new %s key, stored in %s\n", id.Kind(), id.Source)
			} else {
				fmt.Fprintf(w, "  identity: %s key from %s\n", id.Kind(), id.Source)
			}
			fmt.Fprintf(w, "  genesis:  %s\n", v.File.Genesis)
			// Secret files name tresor's diff and merge drivers; git falls
			// back to its text merge (conflict markers) until they exist.
			if !vault.InGitWorkTree(v.Dir) {
				// --vault outside git: nothing to configure
			} else if _, err := vault.GitSetup(v.Dir); err == nil {
				fmt.Fprintf(w, "  git:      diff and merge drivers configured (other clones run %s)\n", vault.GitSetupCommand)
			} else {
				t.note("warning: git drivers not configured: %s; run %s", oneLine(err.Error()), vault.GitSetupCommand)
			}
			fmt.Fprintf(w, "next: store a secret with  printf %%s \"$VALUE\" | tresor set app/api-key\n")
			fmt.Fprintf(w, "      then commit the vault:  git add %s && git commit\n", relOrAbs(v.Dir))
			return nil
		},
	}
}

// identityForInit finds the user's identity, or makes and stores a new one.
func identityForInit(c *cli.Context, t *terminal) (*crypto.Found, bool, error) {
	found, err := findIdentity(c, t, nil)
	var none *crypto.NoIdentityError
	if !errors.As(err, &none) {
		return found, false, err
	}
	id, err := crypto.Generate(false)
	if err != nil {
		return nil, false, err
	}
	where, note, err := crypto.SaveIdentity(id, crypto.OSKeyring{}, crypto.IdentityFilePath(identityEnv()))
	if errors.Is(err, crypto.ErrNowhereToStore) {
		// A container or CI job: no HOME, no Secret Service.
		return nil, false, hintedf("make a key with tresor keygen -o FILE and pass --identity FILE (or set TRESOR_IDENTITY_FILE=FILE), or run where an OS keyring (Secret Service) is available, or set HOME",
			"%v", err)
	}
	if err != nil {
		return nil, false, err
	}
	if note != "" {
		t.note("%s", note)
	}
	return &crypto.Found{Identity: id, Source: where}, true, nil
}

var nonMemberChars = regexp.MustCompile(`[^a-z0-9_-]+`)

func defaultMemberName() string {
	for _, v := range []string{"USER", "USERNAME", "LOGNAME"} {
		n := strings.Trim(nonMemberChars.ReplaceAllString(strings.ToLower(os.Getenv(v)), "-"), "-_")
		if n != "" && len(n) <= 64 {
			return n
		}
	}
	return ""
}

func relOrAbs(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
