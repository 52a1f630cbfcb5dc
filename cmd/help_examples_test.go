package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// Every command and subcommand shows examples in its --help (issue #11:
// version, member, policy and import had none). A new command without an
// "Examples:" block fails here.
func TestEveryCommandHasExamples(t *testing.T) {
	term := &terminal{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	app := newApp(term)
	var walk func(path string, cmds []*cli.Command)
	n := 0
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue // git's drivers: git runs them, not people
			}
			p := path + " " + c.Name
			n++
			if !hasExamples(c.Description) {
				t.Errorf("%s: its --help has no Examples: block (an indented command line under \"Examples:\")", p)
			}
			walk(p, c.Subcommands)
		}
	}
	walk("tresor", app.Commands)
	if n < 30 {
		t.Fatalf("walked %d commands: the tree is not what the test expects", n)
	}
}

// hasExamples reports whether a description has an "Examples:" line
// followed by at least one indented line that runs tresor.
func hasExamples(desc string) bool {
	_, after, ok := strings.Cut(desc, "\nExamples:\n")
	if !ok {
		return false
	}
	line, _, _ := strings.Cut(after, "\n")
	return strings.HasPrefix(line, "   ") && strings.Contains(line, "tresor")
}

func TestHasExamples(t *testing.T) {
	for desc, want := range map[string]bool{
		"Does it.\n\nExamples:\n   tresor x\n":          true,
		"Does it.\n\nExample:\n   tresor x\n":           false,
		"Does it.\n\nExamples:\nnone\n":                 false,
		"Does it.\n\nExamples:\n   echo x | tresor x\n": true,
		"": false,
	} {
		if got := hasExamples(desc); got != want {
			t.Errorf("hasExamples(%q) = %v, want %v", desc, got, want)
		}
	}
}
