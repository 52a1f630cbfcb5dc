package cmd

import (
	"bytes"
	"strings"
	"testing"
)

// A plugin's messages go to stderr; it may ask only when stdin is a
// terminal, and a public request reads one line from it.
func TestPluginUI(t *testing.T) {
	var stderr bytes.Buffer
	piped := &terminal{stdin: strings.NewReader("1234\n"), stderr: &stderr}
	if ui := piped.pluginUI(); ui.Messages != &stderr || ui.Ask != nil {
		t.Fatalf("stdin not a terminal: Messages %v, Ask set %v", ui.Messages, ui.Ask != nil)
	}
	tty := &terminal{stdin: strings.NewReader("yes\r\nrest\n"), stderr: &stderr, stdinTTY: true}
	ui := tty.pluginUI()
	got, err := ui.Ask("age-plugin-x: use it? [yes/no]: ", false)
	if err != nil || got != "yes" {
		t.Fatalf("Ask = %q, %v", got, err)
	}
	if !strings.Contains(stderr.String(), "use it? [yes/no]: ") {
		t.Fatalf("the prompt was not shown: %q", stderr.String())
	}
}
