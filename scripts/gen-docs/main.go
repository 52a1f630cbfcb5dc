// Command gen-docs writes the man page and the shell completion scripts
// that the release archives carry, generated from the command definitions:
//
//	go run ./scripts/gen-docs DIR
//
// writes DIR/man/tresor.1 and DIR/completions/{tresor.bash,_tresor,tresor.fish}.
// goreleaser runs it as a before hook (see .goreleaser.yaml).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tresor-dev/tresor/cmd"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/gen-docs DIR")
		os.Exit(2)
	}
	if err := generate(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "gen-docs: %v\n", err)
		os.Exit(1)
	}
}

// completionFiles maps each shell to the file name its completion loader
// looks for.
var completionFiles = map[string]string{"bash": "tresor.bash", "zsh": "_tresor", "fish": "tresor.fish"}

func generate(dir string) error {
	man := manPage(cmd.Definitions())
	if err := write(filepath.Join(dir, "man", "tresor.1"), string(man)); err != nil {
		return err
	}
	for shell, name := range completionFiles {
		s, err := cmd.CompletionScript(shell)
		if err != nil {
			return fmt.Errorf("%s completion: %w", shell, err)
		}
		if err := write(filepath.Join(dir, "completions", name), s); err != nil {
			return err
		}
	}
	return nil
}

func write(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}
