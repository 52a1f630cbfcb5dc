package cmd

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

func versionCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Description: `Prints tresor's version, the commit and date it was built from (release
builds), the Go version and the platform.

Examples:
   tresor version
   tresor version --json`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.Bool("json") {
				return printJSON(t.stdout, map[string]string{"version": version, "commit": commit, "date": date, "go": runtime.Version()})
			}
			fmt.Fprintf(t.stdout, "tresor %s", version)
			if commit != "" {
				fmt.Fprintf(t.stdout, " (%s, %s)", commit, date)
			}
			fmt.Fprintf(t.stdout, " %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
