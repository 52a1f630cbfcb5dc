package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func whoamiCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "whoami",
		Usage:     "show which identity is in use and your member card",
		ArgsUsage: " ",
		Description: `Shows the identity tresor uses, where it came from, and your member card: the
recipient (and signer) to hand to an admin, who adds you with
tresor member add NAME --card CARD. Inside a vault it also says which member
you are.

Examples:
   tresor whoami
   tresor whoami --card > alice.card`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "card", Usage: "print only the member card"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON record"},
		),
		Action: func(c *cli.Context) error {
			var plugins []string
			var member string
			v, verr := openVault(c, t)
			if verr == nil {
				defer v.Close()
				plugins, _ = v.Plugins() // a vault that does not verify allows none
			}
			id, err := findIdentity(c, t, plugins)
			if err != nil {
				return err
			}
			if v != nil {
				v.SetIdentity(id.Identity)
				member, _ = v.Member()
			}
			if c.Bool("card") {
				fmt.Fprintln(t.stdout, id.Card())
				return nil
			}
			rec := struct {
				Kind      string `json:"kind"`
				Source    string `json:"source"`
				Recipient string `json:"recipient"`
				Signer    string `json:"signer,omitempty"`
				Card      string `json:"card"`
				Member    string `json:"member,omitempty"`
			}{string(id.Kind()), id.Source, id.Recipient(), id.Signer(), id.Card(), member}
			if c.Bool("json") {
				return printJSON(t.stdout, rec)
			}
			fmt.Fprintf(t.stdout, "identity:  %s\nfrom:      %s\nrecipient: %s\n", rec.Kind, rec.Source, rec.Recipient)
			if rec.Signer != "" {
				fmt.Fprintf(t.stdout, "signer:    %s\n", rec.Signer)
			} else if id.CanSign() {
				fmt.Fprintf(t.stdout, "signer:    the ssh key itself\n")
			} else {
				fmt.Fprintf(t.stdout, "signer:    none (this identity can read but not write)\n")
			}
			switch {
			case member != "":
				fmt.Fprintf(t.stdout, "member:    %s\n", member)
			case v != nil:
				fmt.Fprintf(t.stdout, "member:    not a member of this vault (send the card below to an admin)\n")
			}
			fmt.Fprintf(t.stdout, "card:      %s\n", rec.Card)
			return nil
		},
	}
}
