package cmd

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// optionalValueFlags take a value only when written --flag=VALUE; a bare
// --flag means "the default" (tresor set NAME --generate).
var optionalValueFlags = map[string]bool{"generate": true}

// interspersed moves a command's flags in front of its arguments, so that
// "tresor set NAME --env X" works as users write it. urfave/cli (like Go's
// flag package) stops parsing flags at the first argument. Everything after
// "--" stays an argument.
func interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		// urfave/cli looks for the completion flag at the very end.
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	// Global flags before the command name.
	flags := app.Flags
	cmds := app.Commands
	for len(rest) > 0 {
		a := rest[0]
		if strings.HasPrefix(a, "-") && a != "-" && a != "--" {
			n := flagArity(flags, a)
			out = append(out, rest[:min(n, len(rest))]...)
			rest = rest[min(n, len(rest)):]
			continue
		}
		c := findCommand(cmds, a)
		if c == nil {
			break
		}
		out = append(out, a)
		rest = rest[1:]
		flags, cmds = c.Flags, c.Subcommands
		if len(cmds) == 0 {
			break
		}
	}
	var flagArgs, positional []string
	for len(rest) > 0 {
		a := rest[0]
		switch {
		case a == "--":
			positional = append(positional, rest...)
			rest = nil
		case strings.HasPrefix(a, "-") && a != "-":
			name := strings.TrimLeft(a, "-")
			if optionalValueFlags[name] {
				flagArgs = append(flagArgs, a+"=")
				rest = rest[1:]
				continue
			}
			n := min(flagArity(flags, a), len(rest))
			flagArgs = append(flagArgs, canonicalFlag(flags, a))
			flagArgs = append(flagArgs, rest[1:n]...)
			rest = rest[n:]
		default:
			positional = append(positional, a)
			rest = rest[1:]
		}
	}
	out = append(out, flagArgs...)
	if len(positional) > 0 && positional[0] != "--" {
		out = append(out, "--")
	}
	return append(out, positional...)
}

// canonicalFlag spells a command's flag by its first name ("-g X" becomes
// "--group X"), so that a repeatable flag given as both "-g" and "--group"
// is one flag: urfave/cli otherwise refuses "two forms of the same flag".
func canonicalFlag(flags []cli.Flag, arg string) string {
	name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	for _, f := range flags {
		names := f.Names()
		if !slices.Contains(names, name) {
			continue
		}
		if hasValue {
			return "--" + names[0] + "=" + value
		}
		return "--" + names[0]
	}
	return arg
}

// flagArity is how many words a flag takes: 2 for "--name VALUE", 1 for a
// boolean or "--name=VALUE".
func flagArity(flags []cli.Flag, arg string) int {
	name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if hasValue {
		return 1
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				if v, ok := f.(cli.DocGenerationFlag); ok && v.TakesValue() {
					return 2
				}
				return 1
			}
		}
	}
	return 1
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// globList is a repeatable flag kept as given: urfave/cli's string slices
// split values at commas, which would break globs like 'prod/{db,api}/*'.
type globList []string

func (g *globList) Set(s string) error {
	*g = append(*g, s)
	return nil
}

func (g *globList) String() string { return strings.Join(*g, " ") }
