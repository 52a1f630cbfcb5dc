package cmd

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/vault"
)

// What a command's arguments name, for shell completion.
const (
	completeSecrets = "secrets"
	completeMembers = "members"
)

// completedArgs maps a command, as typed after tresor, to what its
// arguments name. Commands not listed complete subcommands and flags only.
var completedArgs = map[string]string{
	"get": completeSecrets, "set": completeSecrets, "rm": completeSecrets, "mv": completeSecrets,
	"edit": completeSecrets, "resolve": completeSecrets, "log": completeSecrets,
	"rotate": completeSecrets, "meta": completeSecrets, "status": completeSecrets,
	"member rm": completeMembers,
}

// flagsNamingSecrets are flags whose value starts with a secret name.
var flagsNamingSecrets = map[string]bool{"--mount": true, "--only": true}

// setCompletion gives c and its subcommands tresor's completion: their
// visible subcommands (never urfave/cli's "help h"), flags after a dash,
// and secret or member names where the arguments are such names. It reads
// names without an identity and never prompts (see vault/completion.go).
func setCompletion(c *cli.Command, path string) {
	path = strings.TrimSpace(path + " " + c.Name)
	c.HideHelpCommand = true
	kind := completedArgs[path]
	c.BashComplete = func(cc *cli.Context) {
		w := cc.App.Writer
		last := ""
		if n := len(os.Args); n > 2 {
			last = os.Args[n-2] // the word before --generate-bash-completion
		}
		switch {
		case flagsNamingSecrets[last]:
			printNames(w, completionNames(cc, completeSecrets))
			return
		case strings.HasPrefix(last, "-"):
			printFlags(w, c.Flags)
			return
		}
		for _, sub := range c.Subcommands {
			if !sub.Hidden {
				fmt.Fprintln(w, sub.Name)
			}
		}
		if kind != "" {
			printNames(w, completionNames(cc, kind))
		}
	}
	for _, sub := range c.Subcommands {
		setCompletion(sub, path)
	}
}

// completionNames opens the vault quietly (no warnings, no identity) and
// lists the names of kind; nothing when there is no vault.
func completionNames(cc *cli.Context, kind string) []string {
	dir, err := vaultDir(cc)
	if err != nil {
		return nil
	}
	v, err := vault.Open(dir, vault.Options{})
	if err != nil {
		return nil
	}
	defer v.Close()
	if kind == completeMembers {
		return v.CompletionMemberNames()
	}
	return v.CompletionSecretNames()
}

func printNames(w io.Writer, names []string) {
	for _, n := range names {
		fmt.Fprintln(w, n)
	}
}

func printFlags(w io.Writer, flags []cli.Flag) {
	for _, f := range flags {
		for _, name := range f.Names() {
			if len(name) == 1 {
				fmt.Fprintln(w, "-"+name)
			} else {
				fmt.Fprintln(w, "--"+name)
			}
		}
	}
}

// completingAfterDashDash reports a completion request after "--" (tresor
// exec -- <Tab>): what follows is the child's command line, which tresor
// does not complete; urfave/cli would pass the request on as the command
// to run, after looking up an identity, which may prompt.
func completingAfterDashDash(args []string) bool {
	n := len(args)
	return n > 1 && args[n-1] == "--generate-bash-completion" && slices.Contains(args[1:n-1], "--")
}
