// Package cmd is tresor's command line: flags, prompts, output and exit
// codes. Every command is a thin call into package vault.
package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/vault"
)

// Set by the release build (see .goreleaser.yaml).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// Exit codes, documented in `tresor --help`.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitVerify     = 3
	exitNoIdentity = 4
	exitStatus     = 5 // status check failed (vault.ErrStatus)
)

const exitCodesHelp = `EXIT CODES:
   0 ok · 1 error · 2 usage · 3 verification failed (tampered or unauthorized data)
   4 no identity can decrypt · 5 status check failed`

// Main runs tresor with args (args[0] is the program name) and returns the
// exit code.
func Main(args []string) int {
	hardenProcess()           // no core dumps of plaintext, no same-user debugger (Linux)
	removeLeftoverPlaintext() // plaintext directories of killed tresor processes
	if completingAfterDashDash(args) {
		return exitOK // the child's command line: nothing to complete
	}
	t := newTerminal()
	app := newApp(t)
	err := app.Run(interspersed(app, args))
	if err == nil {
		return exitOK
	}
	var child childExit
	if errors.As(err, &child) {
		return int(child) // tresor exec passes the child's code on silently
	}
	return reportError(t, err)
}

// hintedError is an error of tresor's own (exit 1) with a hint.
type hintedError struct{ msg, hint string }

func (e *hintedError) Error() string { return e.msg }

func hintedf(hint, format string, args ...any) error {
	return &hintedError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// usageError marks an error in how tresor was called (exit 2).
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ue *usageError
	var noID *crypto.NoIdentityError
	var cr *cannotRun
	switch {
	case errors.As(err, &cr):
		return cr.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, vault.ErrVerify), errors.Is(err, crypto.ErrTampered):
		return exitVerify
	case errors.Is(err, vault.ErrStatus):
		return exitStatus
	case errors.Is(err, vault.ErrNoAccess), errors.As(err, &noID), errors.Is(err, crypto.ErrNotRecipient),
		errors.Is(err, crypto.ErrPassphraseNeeded), errors.Is(err, crypto.ErrBadPassphrase),
		errors.Is(err, crypto.ErrNamedFileMissing):
		return exitNoIdentity
	}
	return exitError
}

// reportError prints one "tresor: error:" line, and a hint where there is
// one, and returns the exit code.
func reportError(t *terminal, err error) int {
	code := exitCode(err)
	var hint string
	var ue *usageError
	var noID *crypto.NoIdentityError
	switch {
	case errors.As(err, &ue):
		hint = ue.hint
		if hint == "" {
			hint = "see tresor --help"
		}
	case errors.As(err, &noID):
		hint = "create one with tresor init (or tresor keygen -o FILE), or set TRESOR_IDENTITY / TRESOR_IDENTITY_FILE, or pass --identity FILE"
		if _, err := vault.Discover("."); err == nil {
			// The vault exists (a clone): init would fail. A newcomer
			// makes a key and asks an admin to add it.
			hint = "make your key with tresor keygen -o ~/.config/tresor/identity, then send what tresor whoami --card prints to an admin of this vault (or set TRESOR_IDENTITY / TRESOR_IDENTITY_FILE, or pass --identity FILE)"
		}
	case errors.Is(err, crypto.ErrNamedFileMissing):
		hint = "check the path; without --identity and TRESOR_IDENTITY_FILE tresor looks in the usual places"
	case errors.Is(err, crypto.ErrPassphraseNeeded):
		hint = "run it in a terminal, or give an unprotected identity in TRESOR_IDENTITY"
	case errors.As(err, new(*hintedError)):
		var he *hintedError
		errors.As(err, &he)
		hint = he.hint
	default:
		hint = vault.HintOf(err)
	}
	msg := oneLine(err.Error())
	fmt.Fprintf(t.stderr, "%s %s\n", t.paint(red, "tresor: error:"), msg)
	if hint != "" {
		fmt.Fprintf(t.stderr, "%s %s\n", t.paint(yellow, "tresor: hint:"), oneLine(hint))
	}
	return code
}

// oneLine is s on one line (line breaks become spaces) with any other
// control character escaped (safeText).
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return safeText(strings.ReplaceAll(s, "\n", " "))
}

func newApp(t *terminal) *cli.App {
	app := &cli.App{
		Name:  "tresor",
		Usage: "a local-first secrets vault for teams that keep their code in git",
		Description: `tresor keeps one age-encrypted file per secret in .tresor/ next to your code.
A policy decides who reads and writes what; every change is signed into a journal.

   tresor init                       create a vault in this git repository
   echo -n s3cret | tresor set prod/db/password
   tresor get prod/db/password
   tresor member add bob --card "$(cat bob.card)" --group admins
   tresor reencrypt

` + exitCodesHelp,
		Version:              version,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		Suggest:              true,
		Reader:               t.stdin,
		Writer:               t.stdout,
		ErrWriter:            t.stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "vault", Usage: "the vault directory (default: .tresor/ found by walking up from the working directory)", EnvVars: []string{"TRESOR_VAULT"}},
			&cli.StringFlag{Name: "identity", Aliases: []string{"i"}, Usage: "read the identity from `FILE` instead of the usual places"},
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usagef("", "%v", err)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			// Handled in Before via the error below; urfave prints nothing useful.
		},
		ExitErrHandler: func(c *cli.Context, err error) {}, // Main reports errors
	}
	app.Commands = commands(t)
	for _, c := range app.Commands {
		setUsageErrors(c)
		setCompletion(c, "")
	}
	app.Action = func(c *cli.Context) error {
		if c.NArg() > 0 {
			return usagef("tresor --help lists the commands", "unknown command %q", c.Args().First())
		}
		return cli.ShowAppHelp(c)
	}
	return app
}

func setUsageErrors(c *cli.Command) {
	c.OnUsageError = func(cc *cli.Context, err error, isSubcommand bool) error {
		return usagef(commandPath(c)+" --help shows its usage", "%v", err)
	}
	if len(c.Subcommands) > 0 && c.Action == nil {
		// Without an Action urfave/cli runs its help action, which prints
		// nothing and exits 0 for "tresor member frob".
		c.Action = func(cc *cli.Context) error {
			if cc.NArg() > 0 {
				return usagef(commandPath(c)+" --help lists its commands", "unknown command %q", c.Name+" "+cc.Args().First())
			}
			return cli.ShowSubcommandHelp(cc)
		}
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub)
	}
}

// commandPath is how the user typed the command, parents included
// ("tresor member add", not "tresor add", which is another command).
// urfave/cli fills HelpName in when it sets the command up.
func commandPath(c *cli.Command) string {
	if c.HelpName != "" {
		return c.HelpName
	}
	return "tresor " + c.Name
}

func commands(t *terminal) []*cli.Command {
	return []*cli.Command{
		initCommand(t),
		keygenCommand(t),
		whoamiCommand(t),
		identityCommand(t),
		setCommand(t),
		getCommand(t),
		lsCommand(t),
		rmCommand(t),
		mvCommand(t),
		editCommand(t),
		metaCommand(t),
		memberCommand(t),
		policyCommand(t),
		reencryptCommand(t),
		rotateCommand(t),
		execCommand(t),
		envCommand(t),
		importCommand(t),
		verifyCommand(t),
		statusCommand(t),
		hookCommand(t),
		scanCommand(t),
		logCommand(t),
		resolveCommand(t),
		doctorCommand(t),
		gitCommand(t),
		demoCommand(t),
		versionCommand(t),
		completionCommand(t),
	}
}

// writeAll writes b and reports a failed write (a closed pipe) as an error.
func writeAll(w io.Writer, b []byte) error {
	_, err := w.Write(b)
	return err
}
