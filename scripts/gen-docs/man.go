package main

import (
	"fmt"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/urfave/cli/v2"
)

// manPage renders tresor(1): every visible command with its usage,
// description (examples included) and flags, as --help shows them.
// (urfave/cli's own ToMan leaves out the descriptions.)
func manPage(app *cli.App) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s 1 \"\" %s \"User Commands\"\n\n", app.Name, app.Name)
	fmt.Fprintf(&b, "# NAME\n\n%s - %s\n\n", app.Name, escape(app.Usage))
	fmt.Fprintf(&b, "# SYNOPSIS\n\n**%s** [**--vault** *DIR*] [**--identity** *FILE*] *command* [*options*] [*arguments*]\n\n", app.Name)
	fmt.Fprintf(&b, "# DESCRIPTION\n\n%s\n", prose(app.Description))
	b.WriteString("# GLOBAL OPTIONS\n\n")
	writeFlags(&b, app.Flags, false)
	b.WriteString("# COMMANDS\n\n")
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			p := path + " " + c.Name
			fmt.Fprintf(&b, "## %s\n\n%s\n\n", p, escape(c.Usage))
			if len(c.Subcommands) > 0 {
				fmt.Fprintf(&b, "**%s** *command* [*options*]\n\n", p)
			} else {
				fmt.Fprintf(&b, "**%s** [*options*] %s\n\n", p, escape(c.ArgsUsage))
			}
			if c.Description != "" {
				b.WriteString(prose(c.Description))
			}
			writeFlags(&b, c.Flags, true)
			walk(p, c.Subcommands)
		}
	}
	walk(app.Name, app.Commands)
	return md2man.Render([]byte(b.String()))
}

// writeFlags lists flags except --help, and for a command except --vault
// and --identity, which every command takes (GLOBAL OPTIONS).
func writeFlags(b *strings.Builder, flags []cli.Flag, command bool) {
	var lines []string
	for _, f := range flags {
		names := f.Names()
		if names[0] == "help" || command && (names[0] == "vault" || names[0] == "identity") {
			continue
		}
		var forms []string
		for _, n := range names {
			if len(n) == 1 {
				forms = append(forms, "**-"+n+"**")
			} else {
				forms = append(forms, "**--"+n+"**")
			}
		}
		usage := ""
		if u, ok := f.(interface{ GetUsage() string }); ok {
			usage = u.GetUsage()
		}
		lines = append(lines, strings.Join(forms, ", ")+"\n: "+escape(strings.ReplaceAll(usage, "`", ""))+"\n")
	}
	if len(lines) > 0 {
		b.WriteString("Options:\n\n" + strings.Join(lines, "\n") + "\n")
	}
}

// prose turns a --help description into markdown: paragraphs stay
// paragraphs, indented lines (commands, examples) become code blocks.
func prose(desc string) string {
	var b strings.Builder
	inCode := false
	for _, line := range strings.Split(strings.TrimRight(desc, "\n"), "\n") {
		code := strings.HasPrefix(line, "   ")
		switch {
		case code && !inCode:
			b.WriteString("\n```\n")
		case !code && inCode:
			b.WriteString("```\n\n")
		}
		inCode = code
		if code {
			b.WriteString(strings.TrimPrefix(line, "   ") + "\n")
		} else {
			b.WriteString(escape(line) + "\n")
		}
	}
	if inCode {
		b.WriteString("```\n")
	}
	return b.String() + "\n"
}

// escape keeps markdown from reading emphasis, links or headings into
// plain text (dev/**, $VISUAL, [y/N]).
func escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`)
	s = r.Replace(s)
	if strings.HasPrefix(s, "#") {
		s = `\` + s
	}
	return s
}
