package cmd

import (
	"github.com/urfave/cli/v2"
)

func getCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "print a secret's value",
		ArgsUsage: "NAME",
		Description: `Prints the value of NAME to stdout byte for byte. On a terminal a newline is
added after it; when stdout is a pipe or file nothing is added.

Examples:
   tresor get prod/db/password
   tresor get tls/key > server.key
   tresor get prod/db/password --previous   (the value before the last rotate)`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "previous", Usage: "print the value the last tresor rotate replaced"},
		),
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
			get := v.Get
			if c.Bool("previous") {
				get = v.GetPrevious
			}
			value, _, err := get(name)
			if err != nil {
				return err
			}
			if t.stdoutTTY && (len(value) == 0 || value[len(value)-1] != '\n') {
				value = append(value, '\n')
			}
			return writeAll(t.stdout, value)
		},
	}
}
