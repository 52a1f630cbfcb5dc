package cmd

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
)

// maxIdentityInput bounds what identity import reads: the largest identity
// tresor takes (a passphrase-protected post-quantum key, armored) is a few
// kilobytes.
const maxIdentityInput = 64 << 10

// exportWarning is said on every export, wherever the key goes.
const exportWarning = "warning: this is your private key: anyone who has it can read every secret you can read and sign changes as you; keep the copy encrypted (tresor identity export | age -p > identity.age)"

func identityCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:            "identity",
		Usage:           "back up your identity, or bring it to another machine",
		HideHelpCommand: true,
		Description: `Your identity is the private key that decrypts your secrets and signs your
changes. tresor init keeps a new one in the OS keyring, where nothing else
holds a copy: export it once to an encrypted backup, and import it on your
next machine. docs/identity.md has the whole story, and what to do when a key
is lost.

Examples:
   tresor identity export | age -p > tresor-identity.age
   tresor identity import tresor-identity.age`,
		Subcommands: []*cli.Command{identityExportCommand(t), identityImportCommand(t)},
	}
}

func identityExportCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write your identity (private key) out, to back it up",
		ArgsUsage: " ",
		Description: `Writes the identity tresor uses (found in the usual order: --identity,
TRESOR_IDENTITY, TRESOR_IDENTITY_FILE, the OS keyring, ~/.config/tresor/identity)
in age's identity file format, which tresor identity import, tresor --identity
and age -i read. It goes to stdout, or to FILE with -o (created 0600, never
overwritten without --force). It is not shown on a terminal unless you pass
--force: pipe it into an encryption tool instead.

An ssh key or an age plugin identity is not tresor's to copy: back up the ssh
key file, or what the plugin's own tool says, instead.

Examples:
   tresor identity export | age -p > tresor-identity.age
   tresor identity export -o /media/usb/tresor-identity
   tresor identity export --identity old.key | age -r age1… > for-me.age`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the identity to `FILE` (0600) instead of stdout"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite FILE, or write the key to a terminal"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("tresor identity export takes no arguments; -o FILE names the output", "unexpected argument %q", c.Args().First())
			}
			out, force := c.String("output"), c.Bool("force")
			if out == "" && t.stdoutTTY && !force {
				return usagef("pipe it into an encryption tool (tresor identity export | age -p > identity.age), write it with -o FILE, or pass --force to show it here",
					"refusing to show a private key on the terminal")
			}
			found, err := findIdentity(c, t, nil)
			var plugin *crypto.PluginNotAllowedError
			if errors.As(err, &plugin) {
				return notExportable(&crypto.NotExportableError{Kind: crypto.KindPlugin}, "")
			}
			if err != nil {
				return err
			}
			text, err := crypto.ExportText(found.Identity)
			if err != nil {
				return notExportable(err, found.Source)
			}
			if out == "" {
				t.note("%s", exportWarning)
				return writeAll(t.stdout, []byte(text))
			}
			if err := crypto.WriteKeyFile(out, []byte(text), force); err != nil {
				if errors.Is(err, os.ErrExist) {
					return hintedf("choose another name, or pass --force to replace it", "%s exists", out)
				}
				return err
			}
			t.note("wrote the %s identity from %s to %s (mode 0600)", found.Kind().Short(), found.Source, out)
			t.note("%s", exportWarning)
			return nil
		},
	}
}

// notExportable explains what to back up instead of an ssh or plugin
// identity; source is where it was found, when known.
func notExportable(err error, source string) error {
	var ne *crypto.NotExportableError
	if !errors.As(err, &ne) {
		return err
	}
	if ne.Kind == crypto.KindPlugin {
		return hintedf("back up what the plugin's own tool says (often: a second hardware key, added as another member) and keep a copy of the plugin identity file, which only points at the key; see docs/identity.md", "%v", ne)
	}
	where := "the ssh private key file itself"
	if source != "" {
		where = "the ssh private key file itself (" + source + ")"
	}
	return hintedf("back up "+where+", with its passphrase; on another machine give it with --identity FILE or TRESOR_IDENTITY_FILE, or put it at ~/.ssh/id_ed25519", "%v", ne)
}

func identityImportCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "store an identity on this machine (OS keyring or identity file)",
		ArgsUsage: "FILE|-",
		Description: `Reads an identity (what tresor identity export, tresor keygen or age-keygen
wrote, or such a file encrypted with age -p, whose passphrase is asked on the
terminal) from FILE, or from stdin with -, checks that tresor can use it, and
stores it in the OS keyring (--keyring) or in the identity file
~/.config/tresor/identity (--file; --path FILE for another place), 0600.
Without either it goes to the keyring, or to the identity file when there is
no keyring. A place that holds another identity is left alone unless you pass
--force. It prints your member card (as tresor whoami --card), so you can
check it is the one the vault knows; the private key is never printed.

A passphrase-protected file is decrypted into the keyring, which keeps it
encrypted itself and opens with your session; into a file it is stored as it
came, still protected, and the passphrase is asked for whenever it is used.

Examples:
   tresor identity import tresor-identity.age
   tresor identity import --file backup.key
   ssh laptop tresor identity export | tresor identity import --keyring -`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "keyring", Usage: "store it in the OS keyring (service tresor)"},
			&cli.BoolFlag{Name: "file", Usage: "store it in the identity file (~/.config/tresor/identity)"},
			&cli.StringFlag{Name: "path", Usage: "with --file: store it at `FILE` instead"},
			&cli.BoolFlag{Name: "force", Usage: "replace another identity already stored there"},
		},
		Action: func(c *cli.Context) error {
			src, err := oneArg(c, "FILE|-")
			if err != nil {
				return err
			}
			toKeyring, toFile, path := c.Bool("keyring"), c.Bool("file") || c.IsSet("path"), c.String("path")
			if toKeyring && toFile {
				return usagef("", "give --keyring or --file, not both")
			}
			text, err := readIdentityInput(t, src)
			if err != nil {
				return err
			}
			imp, err := crypto.ParseImport(text, crypto.ParseOptions{Passphrase: t.passphrase("the identity")})
			if err != nil {
				if errors.As(err, new(*crypto.NotExportableError)) {
					return notExportable(err, "")
				}
				if src != "-" {
					return fmt.Errorf("%s: %w", src, err)
				}
				return err
			}
			ownPath := path != ""
			if !ownPath {
				path = crypto.IdentityFilePath(identityEnv())
			}
			where, same, err := storeImport(t, imp, toKeyring, toFile, path, c.Bool("force"))
			if err != nil {
				return err
			}
			if same {
				t.note("%s already holds this %s identity; nothing changed", where, imp.Kind().Short())
			} else {
				t.note("stored the %s identity in %s", imp.Kind().Short(), where)
			}
			sayMembership(c, t, imp.Identity)
			if ownPath {
				// A place of the user's choosing is not in the lookup order.
				t.note("tresor uses it when you pass --identity %s or set TRESOR_IDENTITY_FILE=%s", path, path)
			} else {
				warnIfShadowed(c, t, imp.Identity, where)
			}
			fmt.Fprintln(t.stdout, imp.Card())
			return nil
		},
	}
}

// readIdentityInput reads the identity text from a file or from stdin
// ("-"), as readUserFile reads files. On a terminal the key is pasted
// without echo.
func readIdentityInput(t *terminal, src string) ([]byte, error) {
	if src == "-" && t.stdinTTY {
		return t.readSecret("identity (paste the AGE-SECRET-KEY-… line): ")
	}
	return readUserFile(t, src, "identity file", maxIdentityInput)
}

// storeImport puts the identity where it was asked to go: the keyring or
// a file, or by default the keyring and, when there is none, the file.
func storeImport(t *terminal, imp *crypto.Import, toKeyring, toFile bool, path string, force bool) (where string, same bool, err error) {
	if !toFile {
		same, err := crypto.StoreInKeyring(crypto.OSKeyring{}, imp.Identity, force)
		switch {
		case err == nil:
			return "OS keyring", same, nil
		case toKeyring || !errors.Is(err, crypto.ErrUnavailable):
			return "", false, importStoreError(err, true)
		}
		t.note("%s; storing the identity in %s instead", err, orNoHome(path))
	}
	if path == "" {
		return "", false, hintedf("pass --path FILE, or run where an OS keyring (Secret Service) is available", "%v", crypto.ErrNowhereToStore)
	}
	content := []byte(imp.FileText())
	if imp.Protected {
		content = imp.Given // kept encrypted, as it came
	}
	same, err = crypto.StoreInFile(path, content, imp.Identity, force)
	if err != nil {
		return "", false, importStoreError(err, false)
	}
	return path, same, nil
}

func orNoHome(path string) string {
	if path == "" {
		return "the identity file"
	}
	return path
}

// importStoreError adds what to do to a failed store.
func importStoreError(err error, keyring bool) error {
	var existing *crypto.ExistingIdentityError
	switch {
	case errors.As(err, &existing):
		return hintedf("if you may still need that identity, save it first (tresor identity export -o old-identity); then pass --force to replace it", "%v", err)
	case keyring && errors.Is(err, crypto.ErrUnavailable):
		return hintedf("store it in the identity file instead: tresor identity import --file FILE", "%v", err)
	}
	return err
}

// warnIfShadowed says when the usual lookup would still find another
// identity first (TRESOR_IDENTITY set, or a keyring item before the file).
// Sources that need a passphrase are not opened for this.
func warnIfShadowed(c *cli.Context, t *terminal, imported *crypto.Identity, where string) {
	srcs := crypto.DefaultSources(globalFlag(c, "identity"), identityEnv(), crypto.OSKeyring{})
	found, err := crypto.FindIdentity(srcs, crypto.ParseOptions{})
	if err != nil || found.Recipient() == imported.Recipient() {
		return
	}
	t.note("warning: tresor will still use the identity from %s, which comes before %s in the lookup order (docs/identity.md)", found.Source, where)
}

// sayMembership tells, inside a vault, which member the imported identity
// is, so that the user knows at once it is the right key; outside one, how
// to check.
func sayMembership(c *cli.Context, t *terminal, id *crypto.Identity) {
	v, err := openVault(c, t)
	if err != nil {
		t.note("its member card follows; in a vault, tresor whoami says which member it is")
		return
	}
	defer v.Close()
	v.SetIdentity(id)
	if member, err := v.Member(); err == nil {
		t.note("in this vault it is member %s", member)
	} else {
		t.note("in this vault it is no member: %s", oneLine(err.Error()))
	}
}
