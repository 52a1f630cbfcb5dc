package cmd

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// Definitions returns tresor's command tree, for documents generated from
// it (the man page in the release archives: scripts/gen-docs). Nothing in
// it runs.
func Definitions() *cli.App {
	return newApp(&terminal{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
}

// CompletionScript returns the completion script for shell (bash, zsh or
// fish), as tresor completion SHELL prints it.
func CompletionScript(shell string) (string, error) {
	switch shell {
	case "bash":
		return bashCompletion, nil
	case "zsh":
		return zshCompletion, nil
	case "fish":
		return Definitions().ToFishCompletion()
	}
	return "", fmt.Errorf("unknown shell %q", shell)
}
