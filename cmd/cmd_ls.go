package cmd

import (
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"
)

func lsCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "ls",
		Usage:     "list secrets",
		ArgsUsage: "[PREFIX]",
		Description: `Lists the secrets under PREFIX (all by default) with their environment
variable, version, last update and readers. Needs no identity: names and
headers are public, values are not.

Examples:
   tresor ls
   tresor ls prod/
   tresor ls --json | jq -r '.[].name'`,
		Flags: withGlobal(&cli.BoolFlag{Name: "json", Usage: "print JSON"}),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("", "tresor ls takes at most one PREFIX")
			}
			v, err := openVault(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			secrets, err := v.List(c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("json") {
				type item struct {
					Name        string        `json:"name"`
					Env         string        `json:"env,omitempty"`
					Description string        `json:"description,omitempty"`
					Version     int           `json:"version"`
					Created     time.Time     `json:"created"`
					Updated     time.Time     `json:"updated"`
					Readers     []string      `json:"readers"`
					Rotation    *rotationJSON `json:"rotation,omitempty"` // cmd_meta.go
				}
				items := []item{}
				for _, s := range secrets {
					items = append(items, item{s.Name, s.Env, s.Description, s.Version, s.Created, s.Updated, s.Readers, rotationOf(s.Rotation)})
				}
				return printJSON(t.stdout, items)
			}
			if len(secrets) == 0 {
				fmt.Fprintln(t.stderr, "tresor: no secrets")
				return nil
			}
			tb := newTable(t.stdout, "NAME", "ENV", "VERSION", "UPDATED", "READERS")
			for _, s := range secrets {
				env := s.Env
				if env == "" {
					env = "-"
				}
				tb.row(s.Name, env, strconv.Itoa(s.Version), s.Updated.Format(time.RFC3339), joinNames(s.Readers))
			}
			return tb.flush()
		},
	}
}
