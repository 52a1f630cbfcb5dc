package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

// envFormats are the outputs of tresor env, by --format name.
var envFormats = []string{"dotenv", "json", "shell", "github", "k8s"}

func envCommand(t *terminal) *cli.Command {
	var only globList
	return &cli.Command{
		Name:      "env",
		Usage:     "print secrets as environment variables (dotenv, json, shell, github, k8s)",
		ArgsUsage: " ",
		Description: `Decrypts the selected secrets (all you can read by default), checks each
against the journal, and prints them as variables for another tool. If any
selected secret fails, nothing is printed. Secrets you cannot read are
skipped with a note, unless --only names them exactly.

A secret becomes the variable in its env header, or its name relative to
--prefix in upper case with '/', '-' and '.' as '_' (prod/db/password with
--prefix prod/ is DB_PASSWORD). Two secrets mapping to one variable, or a
name that is not a valid identifier, is an error naming both. A variable
that changes what code runs (LD_*, BASH_ENV, NODE_OPTIONS, PATH, ...:
docs/security.md lists them) is refused with exit 3 unless the signed
policy allows it (settings: {allow-env: [NAME]}), as with tresor exec.

This prints secret values: send it to a pipe or a private file, not to a
shared terminal or a log (GitHub Actions does not mask what goes into
$GITHUB_ENV). tresor exec runs a command without printing them.

Formats:
   dotenv   KEY='value' lines that tresor import dotenv reads back exactly, and
            godotenv, docker compose and python-dotenv too but for the values
            docs/dotenv.md lists (a value ending in \, ...); set -a; . ./.env
            runs nothing (a carriage return reads as \r there)
   json     one object {"KEY": "value"} (values must be UTF-8)
   shell    export KEY='value' lines for eval or . in any POSIX shell, every value exact
   github   KEY<<DELIMITER blocks for $GITHUB_ENV in GitHub Actions
   k8s      a Kubernetes Secret (base64 data) for kubectl apply -f -

Examples:
   (umask 077 && tresor env --prefix prod/ > .env.prod)
   vars=$(tresor env --format shell --only 'prod/db/*') && eval "$vars"
   tresor env --prefix ci/ --format github >> "$GITHUB_ENV"
   tresor env --prefix prod/ --format k8s --k8s-name app --k8s-namespace web | kubectl apply -f -
   tresor env --format json | jq -r .DB_PASSWORD`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "prefix", Usage: "only secrets under `PREFIX`; variable names are relative to it"},
			&cli.GenericFlag{Name: "only", Value: &only, Usage: "only secrets matching `GLOB` (repeatable; a plain name must exist and be readable)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "dotenv", Usage: "output `FORMAT`: " + strings.Join(envFormats, ", ")},
			&cli.StringFlag{Name: "k8s-name", Usage: "the Kubernetes Secret's `NAME` (--format k8s)"},
			&cli.StringFlag{Name: "k8s-namespace", Usage: "the Kubernetes Secret's `NAMESPACE` (--format k8s; default: kubectl's)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("select secrets with --prefix and --only", "tresor env takes no arguments, got %d", c.NArg())
			}
			opts := envOptions{
				format:    c.String("format"),
				k8sName:   c.String("k8s-name"),
				namespace: c.String("k8s-namespace"),
			}
			if err := opts.check(c.IsSet("k8s-name"), c.IsSet("k8s-namespace")); err != nil {
				return err
			}
			v, env, err := selectEnvironment(c, t, only)
			if err != nil {
				return err
			}
			defer v.Close()
			out, err := opts.render(env.Vars)
			if err != nil {
				return err
			}
			if len(env.Vars) == 0 {
				t.note("no secrets selected")
			}
			if t.stdoutTTY && len(env.Vars) > 0 {
				t.note("warning: printing secret values to the terminal; pipe them or redirect them to a private file")
			}
			return writeAll(t.stdout, out)
		},
	}
}

type envOptions struct {
	format, k8sName, namespace string
}

// check refuses flag combinations before anything is decrypted.
func (o envOptions) check(nameSet, namespaceSet bool) error {
	switch o.format {
	case "dotenv", "json", "shell", "github":
		if nameSet || namespaceSet {
			return usagef("--k8s-name and --k8s-namespace go with --format k8s", "--k8s-name and --k8s-namespace need --format k8s, not %s", o.format)
		}
	case "k8s":
		if o.k8sName == "" {
			return usagef("e.g. --format k8s --k8s-name app-secrets", "--format k8s needs --k8s-name")
		}
		if _, err := format.FormatK8sSecret(o.k8sName, o.namespace, nil); err != nil {
			return usagef("", "%v", err)
		}
	default:
		return usagef("formats: "+strings.Join(envFormats, ", "), "unknown --format %q", o.format)
	}
	return nil
}

func (o envOptions) render(vars []vault.EnvVar) ([]byte, error) {
	pairs := make([]format.DotenvPair, len(vars))
	for i, ev := range vars {
		pairs[i] = format.DotenvPair{Key: ev.Name, Value: ev.Value}
	}
	var out []byte
	var err error
	switch o.format {
	case "dotenv":
		out, err = format.MarshalDotenv(pairs)
	case "json":
		out, err = format.FormatJSON(pairs)
	case "shell":
		out, err = format.FormatShell(pairs)
	case "github":
		out, err = format.FormatGitHubEnv(pairs)
	case "k8s":
		out, err = format.FormatK8sSecret(o.k8sName, o.namespace, pairs)
	}
	if err != nil {
		// The formatters name the variable, never the value.
		return nil, fmt.Errorf("cannot print as %s: %w (--format k8s carries any bytes, base64-encoded)", o.format, err)
	}
	return out, nil
}
