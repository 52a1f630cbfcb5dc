package cmd

import (
	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask tresor itself for completions
// (--generate-bash-completion, urfave/cli's protocol), so they follow new
// commands and flags without being regenerated.
const bashCompletion = `# tresor bash completion: source <(tresor completion bash)
_tresor_complete() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  if [[ $cur == -* ]]; then words+=("$cur"); fi
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _tresor_complete tresor
`

const zshCompletion = `#compdef tresor
# tresor zsh completion: source <(tresor completion zsh)
_tresor() {
  local -a opts
  local cur=${words[CURRENT]}
  local -a cmd=(${words[1,CURRENT-1]})
  if [[ $cur == -* ]]; then cmd+=($cur); fi
  opts=("${(@f)$(${cmd[@]} --generate-bash-completion 2>/dev/null)}")
  _describe 'tresor' opts
}
compdef _tresor tresor
`

func completionCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints the completion script for your shell.

Examples:
   source <(tresor completion bash)          # in ~/.bashrc
   source <(tresor completion zsh)           # in ~/.zshrc
   tresor completion fish > ~/.config/fish/completions/tresor.fish`,
		Action: func(c *cli.Context) error {
			shell, err := oneArg(c, "shell (bash, zsh or fish)")
			if err != nil {
				return err
			}
			switch shell {
			case "bash":
				return writeAll(t.stdout, []byte(bashCompletion))
			case "zsh":
				return writeAll(t.stdout, []byte(zshCompletion))
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				return writeAll(t.stdout, []byte(s))
			}
			return usagef("tresor completion bash|zsh|fish", "unknown shell %q", shell)
		},
	}
}
