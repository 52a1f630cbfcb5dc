package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func policyCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "policy",
		Usage: "show, check and change who reads and writes what",
		Description: `The policy (.tresor/policy.yaml) says who reads and who writes which secrets
and who administers the vault. Only a change an admin signed is in force:
policy.yaml edited by hand is not, until an admin signs it (policy apply or
policy edit show the change first).

Examples:
   tresor policy show
   tresor policy check
   tresor policy edit && tresor reencrypt
   tresor policy apply .tresor/policy.yaml   # sign hand edits`,
		Subcommands: []*cli.Command{
			{
				Name:  "show",
				Usage: "print policy.yaml",
				Description: `Prints the policy: members, groups, rules (first matching path glob wins)
and admins.

Examples:
   tresor policy show > policy.yaml`,
				Flags: withGlobal(),
				Action: func(c *cli.Context) error {
					v, err := openVault(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					p, _, err := v.SignedPolicy()
					if err != nil {
						return err
					}
					return writeAll(t.stdout, p.Marshal())
				},
			},
			{
				Name:  "check",
				Usage: "explain every rule and list problems",
				Description: `For every rule: who reads, who writes, and which secrets it covers. Then the
problems: rules that mix post-quantum and classic readers, rules no one can
read, writers or admins that cannot sign, members no rule mentions, secrets
no rule covers and secrets whose readers differ from the policy. Exits 1 when
there is a problem.

Examples:
   tresor policy check --json`,
				Flags: withGlobal(&cli.BoolFlag{Name: "json", Usage: "print JSON"}),
				Action: func(c *cli.Context) error {
					v, err := openVault(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					rep, err := v.CheckPolicy()
					if err != nil {
						return err
					}
					problems := len(rep.Problems)
					for _, r := range rep.Rules {
						problems += len(r.Problems)
					}
					if c.Bool("json") {
						if err := printJSON(t.stdout, rep); err != nil {
							return err
						}
					} else {
						w := t.stdout
						for _, r := range rep.Rules {
							fmt.Fprintf(w, "rule %d: %s\n", r.Index, r.Path)
							fmt.Fprintf(w, "  read:    %s\n", joinNames(r.Readers))
							fmt.Fprintf(w, "  write:   %s\n", joinNames(r.Writers))
							fmt.Fprintf(w, "  secrets: %s\n", countedNames(r.Secrets))
							for _, p := range r.Problems {
								fmt.Fprintf(w, "  %s %s\n", t.paint(red, "problem:"), p)
							}
						}
						fmt.Fprintf(w, "admins: %s\n", joinNames(rep.Admins))
						for _, p := range rep.Problems {
							fmt.Fprintf(w, "%s %s\n", t.paint(red, "problem:"), p)
						}
						if problems == 0 {
							fmt.Fprintln(w, "no problems")
						}
					}
					if problems > 0 {
						return fmt.Errorf("the policy has %d problem(s)", problems)
					}
					return nil
				},
			},
			{
				Name:      "apply",
				Usage:     "replace the policy with a file you wrote (admins only)",
				ArgsUsage: "FILE|-",
				Description: `Reads a policy (YAML, as tresor policy show prints it; comments and any order
allowed), checks it, shows the change against the signed policy and records
it as one signed policy change; policy.yaml is rewritten in canonical form.
A change that takes read access from anyone re-encrypts, in the same
operation, what you can and reports what they could read (as tresor member
rm does); a change that only gives access needs tresor reencrypt afterwards.

FILE may be .tresor/policy.yaml itself after you edited it by hand: until an
admin signs them, such edits are not in force (tresor goes on under the
signed policy and verify reports them). Signing them asks for confirmation
on a terminal, or needs --yes: a push can change policy.yaml too.

Examples:
   tresor policy show > p.yaml && $EDITOR p.yaml && tresor policy apply p.yaml
   $EDITOR .tresor/policy.yaml && tresor policy apply .tresor/policy.yaml
   tresor policy apply --yes .tresor/policy.yaml   # no terminal: review first`,
				Flags: withGlobal(&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "sign unsigned edits of policy.yaml without asking"},
					&cli.BoolFlag{Name: "json", Usage: "print the revocation report as JSON on stdout"}),
				Action: func(c *cli.Context) error {
					path, err := oneArg(c, "FILE")
					if err != nil {
						return err
					}
					b, err := readUserFile(t, path, "policy file", 4<<20)
					if err != nil {
						return err
					}
					v, _, err := openForWrite(c, t)
					if err != nil {
						return err
					}
					defer v.Close()
					prop, err := v.ProposePolicy(b, nil)
					if err != nil {
						return err
					}
					summary := "apply policy"
					if prop.ReplacesEdits {
						summary = "sign edits of policy.yaml"
					}
					if err := signPolicyChange(t, v, prop, summary, c.Bool("yes")); err != nil {
						return err
					}
					if c.Bool("json") {
						return printRevocationJSON(t, v.Revocation())
					}
					return nil
				},
			},
			policyEditCommand(t),
		},
	}
}

func countedNames(names []string) string {
	switch {
	case len(names) == 0:
		return "none"
	case len(names) <= 5:
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:5], ", "), len(names)-5)
}
