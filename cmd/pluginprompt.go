package cmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/tresor-dev/tresor/crypto"
)

// pluginUI is how an age plugin identity (a hardware token) talks to the
// user: its messages go to stderr, and its requests (a PIN, a confirmation)
// are prompted for on the terminal, never when stdin is not one: then the
// plugin is told the request failed, and tresor says so on stderr.
func (t *terminal) pluginUI() *crypto.PluginUI {
	ui := &crypto.PluginUI{Messages: t.stderr}
	if t.stdinTTY {
		ui.Ask = func(prompt string, secret bool) (string, error) {
			if secret {
				b, err := t.readSecret(prompt)
				return string(b), err
			}
			fmt.Fprint(t.stderr, prompt)
			line, err := bufio.NewReader(t.stdin).ReadString('\n')
			if err != nil && line == "" {
				return "", fmt.Errorf("reading from the terminal: %w", err)
			}
			return strings.TrimRight(line, "\r\n"), nil
		}
	}
	return ui
}
