package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

// maxImportFile bounds a file read by tresor import: values are at most
// 1 MiB each, and a .env file is rarely more than a few kilobytes.
const maxImportFile = 16 << 20

func importCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "store the secrets of another tool's file",
		Description: `Stores each entry of another tool's file as a secret of its own, one signed
journal entry each.

Examples:
   tresor import dotenv --prefix prod/ .env.production
   heroku config --shell | tresor import dotenv --prefix prod/ -`,
		Subcommands: []*cli.Command{
			importDotenvCommand(t),
			importHerokuCommand(t),
		},
	}
}

func importDotenvCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "dotenv",
		Usage:     "store each variable of a .env file as a secret",
		ArgsUsage: "FILE",
		Description: `Reads the dotenv FILE (- for stdin) and stores each variable as its own
secret, named after the variable in lower case under --prefix:
DB_PASSWORD becomes prod/db_password with --prefix prod/, which
tresor exec --prefix prod/ and tresor env --prefix prod/ give back as
DB_PASSWORD. A variable with lower-case letters, which the secret's name
cannot give back, is also stored as its env header. Each secret is one
signed journal entry, as with tresor set.

FILE may use comments, blank lines, "export KEY=value", unquoted values
(trimmed, " # comment" removed), 'single-quoted' values (literal, may span
lines) and "double-quoted" values (\n \r \t \" \\ \$ \` + "`" + ` escapes, may span
lines). Lines end in LF, CR LF or a lone CR. Nothing is interpolated:
$OTHER and ${OTHER} stay as written. Variables with an empty value are
skipped, since tresor stores no empty secrets.

Where godotenv, docker compose or python-dotenv would read a variable
differently (a $ reference they expand, "KEY= #text" that they read as the
value, \\ inside single quotes, an escape they undo), a line
"tresor: note: KEY: ..." says so; values are never printed. docs/dotenv.md
has the rules.

Nothing is written if any secret already exists (unless --force, which writes
a new version of each), if the file does not parse, if a name is not
allowed, or if a variable is one no secret may set (tresor exec --help) or
one another secret already maps to. Afterwards the plaintext file is still there: delete it, and if git
tracks it, git rm --cached it.

heroku config --shell does not write dotenv (nor sh): read its output with
tresor import heroku.

Examples:
   tresor import dotenv .env --prefix dev/
   tresor import dotenv .env.production --prefix prod/ --force
   tresor env --prefix prod/ | tresor import dotenv - --prefix staging/`,
		Flags:  importFlags(),
		Action: importAction(t, format.ParseDotenvNotes),
	}
}

func importHerokuCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "heroku",
		Usage:     "store each config var that heroku config --shell prints as a secret",
		ArgsUsage: "FILE",
		Description: `Reads what heroku config --shell printed (FILE, or - for stdin) and stores
each config var as its own secret, named as tresor import dotenv names
them (DATABASE_URL becomes prod/database_url with --prefix prod/), with
the value Heroku has.

Heroku's quoting looks like sh but is not: inside its single quotes every
backslash is doubled, and inside its double quotes ! is written \! and a
newline \n, which neither sh nor dotenv readers undo. tresor import heroku
undoes exactly that, and refuses a line Heroku would not write (naming the
line, never its value) rather than store a different value.

Nothing is written if any secret already exists (unless --force), or for
the other reasons tresor import dotenv gives.

Examples:
   heroku config --shell -a my-app | tresor import heroku - --prefix prod/
   heroku config --shell -a my-app > vars.txt && tresor import heroku vars.txt --prefix prod/ && rm vars.txt`,
		Flags: importFlags(),
		Action: importAction(t, func(b []byte) ([]format.DotenvPair, []format.DotenvNote, error) {
			pairs, err := format.ParseHerokuShell(b)
			return pairs, nil, err
		}),
	}
}

func importFlags() []cli.Flag {
	return withGlobal(
		&cli.StringFlag{Name: "prefix", Usage: "store the secrets under `PREFIX` (a path like prod/app/)"},
		&cli.BoolFlag{Name: "force", Usage: "overwrite secrets that already exist (a new version of each)"},
	)
}

// importAction reads FILE with parse and stores each pair as a secret.
func importAction(t *terminal, parse func([]byte) ([]format.DotenvPair, []format.DotenvNote, error)) cli.ActionFunc {
	return func(c *cli.Context) error {
		file, err := oneArg(c, "FILE")
		if err != nil {
			return err
		}
		prefix := c.String("prefix")
		if err := format.ValidatePrefix(prefix); err != nil {
			return usagef("a prefix is a path like prod/app/", "--prefix: %v", err)
		}
		if prefix = strings.TrimSuffix(prefix, "/"); prefix != "" {
			prefix += "/"
		}
		b, err := readImportFile(t, file)
		if err != nil {
			return err
		}
		pairs, notes, err := parse(b)
		if err != nil {
			return fmt.Errorf("%s: %w", importSourceName(file), err)
		}
		commented := map[string]bool{}
		for _, n := range notes {
			switch {
			case n.Key == "":
				t.note("note: line %d: %s", n.Line, n.Reason)
			case n.Reason == format.NoteCommentIsEmpty:
				commented[n.Key] = true
				t.note("note: %s: %s; skipped, since tresor stores no empty secrets", n.Key, n.Reason)
			default:
				t.note("note: %s: %s", n.Key, n.Reason)
			}
		}
		v, _, err := openForWrite(c, t)
		if err != nil {
			return err
		}
		defer v.Close()
		plan, err := planImport(t, v, pairs, prefix, c.Bool("force"), commented)
		if err != nil {
			return err
		}
		progress := t.progress("importing")
		// One lock for the whole import; each secret is still its own entry.
		err = v.Hold(func() error {
			for i, it := range plan {
				env := it.env
				h, err := v.Set(it.name, it.value, vault.SetOptions{Env: &env})
				if err != nil {
					if i > 0 {
						return fmt.Errorf("%w (%d of %d secrets were imported before this one; fix it and run again with --force)", err, i, len(plan))
					}
					return err
				}
				if progress != nil && t.stdoutTTY {
					fmt.Fprint(t.stderr, "\r\x1b[K") // clear the progress line first
				}
				fmt.Fprintf(t.stdout, "imported %s as %s (version %d)\n", it.key, h.Name, h.Version)
				if progress != nil {
					progress(i+1, len(plan))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		t.note("imported %d %s from %s", len(plan), importPlural(len(plan), "secret", "secrets"), importSourceName(file))
		if file != "-" && len(plan) > 0 {
			fmt.Fprintf(t.stderr, "%s the plaintext is still in %s: delete it, and if git tracks it, git rm --cached %s and add it to .gitignore\n",
				t.paint(yellow, "tresor: hint:"), file, quotePathForShell(file))
		}
		return nil
	}
}

// An importItem is one variable of the file and the secret it becomes,
// with its env header: empty when the name gives the variable back.
type importItem struct {
	key, name, env string
	value          []byte
}

// planImport maps the variables to secrets and refuses, before anything
// is written, what would otherwise stop the import halfway: a bad or
// colliding name, a value tresor cannot store, an existing secret (without
// force), a secret the member may not write or no one could read, or a
// variable that is refused or another secret's.
//
// Variables in quiet already had a note saying why they are empty.
func planImport(t *terminal, v *vault.Vault, pairs []format.DotenvPair, prefix string, force bool, quiet map[string]bool) ([]importItem, error) {
	existing, err := v.List("")
	if err != nil {
		return nil, err
	}
	byName := map[string]vault.Secret{}
	byFolded := map[string]string{}
	for _, s := range existing {
		byName[s.Name] = s
		byFolded[format.FoldName(s.Name)] = s.Name
	}
	var plan []importItem
	var exists []string
	keyOf := map[string]string{}
	for _, p := range pairs {
		if len(p.Value) == 0 {
			if quiet[p.Key] {
				continue
			}
			t.note("skipped %s: the value is empty (tresor stores no empty secrets)", p.Key)
			continue
		}
		name := prefix + strings.ToLower(p.Key)
		if err := format.ValidateName(name); err != nil {
			return nil, usagef("use a shorter --prefix", "%s cannot be stored as %s: %v", p.Key, name, err)
		}
		if other, ok := keyOf[name]; ok {
			return nil, fmt.Errorf("%s and %s would both be stored as %s; nothing imported", other, p.Key, name)
		}
		keyOf[name] = p.Key
		if len(p.Value) > format.MaxValueSize {
			return nil, fmt.Errorf("%s: the value is larger than 1 MiB, which tresor does not store; nothing imported", p.Key)
		}
		if _, ok := byName[name]; ok {
			exists = append(exists, name)
		} else if other, ok := byFolded[format.FoldName(name)]; ok {
			return nil, fmt.Errorf("%s would be stored as %s, which differs from the existing secret %s only by case; nothing imported", p.Key, name, other)
		}
		// A header only where exec --prefix PREFIX would not give the key
		// back: headers are the same under every prefix, so two imports
		// of one file under dev/ and prod/ would otherwise collide.
		env := ""
		if vault.DeriveEnvName(strings.ToLower(p.Key)) != p.Key {
			env = p.Key
		}
		plan = append(plan, importItem{key: p.Key, name: name, env: env, value: p.Value})
	}
	// The rules v.Set applies, checked for every secret first so that a
	// refusal does not leave half the file imported.
	names := make([]string, len(plan))
	for i, it := range plan {
		names[i] = it.name
	}
	if err := v.CheckWritable(names); err != nil {
		return nil, err
	}
	claims := make([]vault.EnvClaim, len(plan))
	for i, it := range plan {
		claims[i] = vault.EnvClaim{Secret: it.name, Env: it.env}
	}
	if err := v.CheckEnvClaims(claims); err != nil {
		return nil, fmt.Errorf("%w; nothing imported", err)
	}
	if len(exists) > 0 && !force {
		return nil, usagef("pass --force to write a new version of each, or choose another --prefix",
			"%s already %s: %s; nothing imported", importPlural(len(exists), "a secret", "secrets"), importPlural(len(exists), "exists", "exist"), strings.Join(exists, ", "))
	}
	return plan, nil
}

// readImportFile reads what import reads (a file, or stdin for "-"),
// naming it and saying what to do when it cannot (readUserFile).
func readImportFile(t *terminal, file string) ([]byte, error) {
	return readUserFile(t, file, "import file", maxImportFile)
}

func importSourceName(file string) string {
	if file == "-" {
		return "stdin"
	}
	return file
}

func importPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// shellQuote quotes a path for a command the user may paste.
func quotePathForShell(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
