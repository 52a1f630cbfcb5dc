package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
)

func memberCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "member",
		Usage: "add, remove and list members",
		Description: `Members are the people and machines the policy names: each has a recipient
(secrets are encrypted to it) and a signer (their changes are checked against
it). A newcomer sends what tresor whoami --card prints to an admin.

Examples:
   tresor member add bob --card "$(cat bob.card)" --group sre && tresor reencrypt
   tresor member ls
   tresor member rm bob`,
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a member (admins only)",
				ArgsUsage: "NAME",
				Description: `Adds NAME to the policy with the recipient secrets are encrypted to and the
signer their changes are checked against, either from --card (the text
tresor whoami --card prints) or from --recipient and --signer. ssh-ed25519
keys sign with themselves; ssh-rsa and plugin members can read but not write.
The new member reads nothing until you run tresor reencrypt.

Examples:
   tresor member add bob --card "$(cat bob.card)" --group admins
   tresor member add ci --recipient "$(cat deploy_key.pub)" --group ci
   tresor member add carol --recipient age1pq1… --signer ed25519:… --group sre`,
				Flags: withGlobal(
					&cli.StringFlag{Name: "card", Usage: "the member `CARD` printed by tresor whoami --card"},
					&cli.StringFlag{Name: "recipient", Usage: "the member's `RECIPIENT` (age1…, age1pq1…, ssh-ed25519 …, ssh-rsa …)"},
					&cli.StringFlag{Name: "signer", Usage: "the member's `SIGNER` (ed25519:…)"},
					&cli.StringSliceFlag{Name: "group", Aliases: []string{"g"}, Usage: "add the member to `GROUP` (repeatable)"},
					&cli.BoolFlag{Name: "deploy", Usage: "make a fresh identity for CI, add it, and print its private key once"},
					&cli.BoolFlag{Name: "classic", Usage: "with --deploy: an X25519 key instead of a post-quantum one"},
				),
				Action: func(c *cli.Context) error {
					name, err := oneArg(c, "NAME")
					if err != nil {
						return err
					}
					recipient, signer := c.String("recipient"), c.String("signer")
					var deployKey *crypto.Identity
					if c.Bool("deploy") {
						if c.IsSet("card") || c.IsSet("recipient") || c.IsSet("signer") {
							return usagef("", "--deploy makes its own key: give no --card, --recipient or --signer")
						}
						if deployKey, err = crypto.Generate(c.Bool("classic")); err != nil {
							return err
						}
						recipient, signer = deployKey.Recipient(), deployKey.Signer()
					} else if c.Bool("classic") {
						return usagef("", "--classic goes with --deploy")
					}
					if c.IsSet("card") {
						if c.IsSet("recipient") || c.IsSet("signer") {
							return usagef("", "give either --card or --recipient/--signer, not both")
						}
						recipient, signer = crypto.ParseCard(c.String("card"))
					}
					if recipient == "" {
						return usagef("the new member runs tresor whoami --card and sends you the text", "tresor member add needs --card or --recipient")
					}
					v, _, err := openForWrite(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					if err := v.MemberAdd(name, recipient, signer, c.StringSlice("group")); err != nil {
						return err
					}
					fmt.Fprintf(t.stderr, "tresor: added member %s\n", name)
					if deployKey != nil {
						// The key goes to stdout once and is kept nowhere else.
						fmt.Fprintf(t.stderr, "tresor: the private key of %s follows on stdout; it is shown only this once.\n", name)
						fmt.Fprintf(t.stderr, "tresor: store it as a CI secret named TRESOR_IDENTITY (see docs/ci.md), then run tresor reencrypt.\n")
						if err := writeAll(t.stdout, []byte(deployKey.FileText())); err != nil {
							return err
						}
						return nil
					}
					fmt.Fprintf(t.stderr, "tresor: hint: run tresor reencrypt so that %s can read what the policy gives them\n", name)
					return nil
				},
			},
			{
				Name:      "rm",
				Usage:     "remove a member (admins only)",
				ArgsUsage: "NAME",
				Description: `Removes NAME from the policy, its groups and rules, and in the same locked
operation re-encrypts every secret whose readers now differ that you can
(under new read keys), marking each file NAME could decrypt exposed. Then it
lists, from the journal, every secret and version NAME could read (also
those deleted or renamed since) and which current values to rotate. Secrets
you cannot re-encrypt are listed with the members who can.

Examples:
   tresor member rm bob
   tresor member rm bob --json | jq -r '.rotate[]'`,
				Flags: withGlobal(&cli.BoolFlag{Name: "json", Usage: "print the report as JSON on stdout"}),
				Action: func(c *cli.Context) error {
					name, err := oneArg(c, "NAME")
					if err != nil {
						return err
					}
					v, _, err := openForWrite(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					v.OnRevocationProgress(t.progress("re-encrypting"))
					if err := v.MemberRemove(name); err != nil {
						return err
					}
					fmt.Fprintf(t.stderr, "tresor: removed member %s\n", name)
					return printRevocation(t, v.Revocation(), c.Bool("json"))
				},
			},
			{
				Name:  "ls",
				Usage: "list members",
				Description: `Lists the members with their key type, groups and whether they can sign.

Examples:
   tresor member ls --json`,
				Flags: withGlobal(&cli.BoolFlag{Name: "json", Usage: "print JSON"}),
				Action: func(c *cli.Context) error {
					v, err := openVault(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					items, err := v.Members()
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return printJSON(t.stdout, items)
					}
					tb := newTable(t.stdout, "NAME", "KEY", "GROUPS", "ADMIN", "SIGNS")
					for _, it := range items {
						tb.row(it.Name, crypto.KindOfRecipient(it.Recipient).Short(), joinNames(it.Groups), yesNo(it.Admin), yesNo(it.CanSign))
					}
					return tb.flush()
				},
			},
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
