package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/vault"
)

func policyEditCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "edit",
		Usage: "edit the policy in $VISUAL or $EDITOR and sign it (admins only)",
		Description: `Opens the signed policy (canonical YAML) in a private temporary file in
$VISUAL or $EDITOR (vi if neither is set). On save the policy is checked: if
it is not valid you see why and, on a terminal, may edit it again; otherwise
nothing changes. A valid policy is shown as a change against the signed one
and signed as one policy change; policy.yaml is rewritten in canonical form.
Any YAML layout is accepted. Saving the file unchanged signs nothing.

When policy.yaml holds edits no admin signed yet, the editor opens them
instead, so that you can review and sign them; that asks for confirmation on
a terminal (or --yes), as tresor policy apply does.

Secrets are not re-encrypted: run tresor reencrypt afterwards.

Examples:
   tresor policy edit
   EDITOR="code --wait" tresor policy edit && tresor reencrypt`,
		Flags: withGlobal(&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "sign unsigned edits of policy.yaml without asking"}),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("tresor policy edit --help shows its usage", "tresor policy edit takes no arguments")
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			// Refused before anyone types a policy.
			if err := v.CanChangePolicy(); err != nil {
				return err
			}
			signed, _, err := v.SignedPolicy()
			if err != nil {
				return err
			}
			text := signed.Marshal()
			working, err := v.WorkingPolicy()
			if err != nil {
				return err
			}
			if working != nil {
				t.note("policy.yaml holds unsigned edits: the editor opens them")
				text = append([]byte(unsignedEditsBanner), working...)
			}
			start := text
			for {
				edited, err := editInTempFile(t, "policy.yaml", text)
				if err != nil {
					return err
				}
				// Saved as it was: nothing to do, unless it holds the
				// unsigned edits, which the admin may mean to sign.
				if bytes.Equal(edited, start) && working == nil {
					t.note("the policy was not changed; nothing signed")
					return nil
				}
				prop, err := v.ProposePolicy(edited, working)
				if err == nil {
					return signPolicyChange(t, v, prop, "edit policy", c.Bool("yes"))
				}
				if !isPolicyMistake(err) || !t.stdinTTY {
					return err
				}
				// As visudo: say what is wrong and offer another go.
				fmt.Fprintf(t.stderr, "%s %s\n", t.paint(red, "tresor: error:"), oneLine(err.Error()))
				again, cerr := t.confirm("edit the policy again? [y/N] ")
				if cerr != nil || !again {
					return hintedf("", "the policy was not changed")
				}
				text = withErrorComment(edited, err)
			}
		},
	}
}

// unsignedEditsBanner heads the file policy edit opens from unsigned edits.
const unsignedEditsBanner = `# tresor: these are the unsigned edits in policy.yaml (not in force yet).
# Review every line: saving shows the change against the signed policy and
# signs it after you confirm. To drop them instead: git checkout -- .tresor/policy.yaml
`

const errorCommentPrefix = "# tresor: error: "

// withErrorComment puts the error on top of the text as a YAML comment,
// replacing the one a previous round left.
func withErrorComment(text []byte, err error) []byte {
	lines := strings.SplitAfter(string(text), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], errorCommentPrefix) {
		lines = lines[1:]
	}
	return []byte(errorCommentPrefix + oneLine(err.Error()) + "\n" + strings.Join(lines, ""))
}

// isPolicyMistake reports whether err is about the policy written (it does
// not parse or is not valid), which another edit can fix, rather than
// about the vault, the identity or the right to change the policy.
func isPolicyMistake(err error) bool {
	for _, class := range []error{vault.ErrVerify, vault.ErrDenied, vault.ErrNoAccess, vault.ErrNotFound} {
		if errors.Is(err, class) {
			return false
		}
	}
	var p *vault.Problem
	return errors.As(err, &p)
}
