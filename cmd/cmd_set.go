package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/crypto"
	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func setCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "store a secret, read from stdin or a no-echo prompt",
		ArgsUsage: "NAME",
		Description: `Stores a new version of the secret NAME, encrypted to the readers the policy
gives it. The value comes from stdin when it is piped, byte for byte, or from a
no-echo prompt with confirmation on a terminal. No flag takes a value: values
in argv end up in shell history and process lists.

--generate makes a random value instead: --generate=64, --generate=hex,
--generate=64:base64url, --generate=token:48 or
--generate=password:24:ascii:upper,lower,digit,symbol (kinds: password,
token, hex, base64url, uuid; charsets: alnum, alpha, ascii, base64url,
digits, hex). Without a spec it uses the signed policy's rotation default for
NAME, then its settings.generate, then 32:alnum. The generator is kept in the
header, so that tresor rotate makes the next value the same way.

Rotation metadata (tresor meta changes it later without a new value):
--rotate-every 90d (units s, m, h, d, w, y), --expires 2027-01-01 (or an
RFC 3339 time; it must be in the future), --rotator NAME (a rotator the
signed policy defines). A new value on an existing secret records when it
changed (rotated) and clears exposed.

Examples:
   printf %s "$DB_PASSWORD" | tresor set prod/db/password --env DATABASE_PASSWORD
   tresor set prod/api/token --generate=48:base64url
   tresor set tls/key < server.key
   tresor set prod/db/password --generate=password:32 --rotate-every 90d --rotator pg-app
   tresor set vendor/api-key --expires 2027-06-30 < key.txt`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "generate", Usage: "make a random value from `SPEC` (LENGTH, CHARSET or LENGTH:CHARSET; empty for the default)"},
			&cli.StringFlag{Name: "env", Usage: "environment variable `VAR` for exec and env"},
			&cli.StringFlag{Name: "description", Usage: "a one-line `TEXT` describing the secret"},
			&cli.StringFlag{Name: "rotate-every", Usage: "rotate every `DURATION` (e.g. 90d)"},
			&cli.StringFlag{Name: "expires", Usage: "the value stops being valid on `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.StringFlag{Name: "rotator", Usage: "rotate with the policy's rotator `NAME`"},
		),
		Action: func(c *cli.Context) error {
			name, err := oneArg(c, "NAME")
			if err != nil {
				return err
			}
			var opts vault.SetOptions
			if c.IsSet("env") {
				e := c.String("env")
				if e != "" && !format.ValidEnvName(e) {
					return usagef("use letters, digits and '_', not starting with a digit", "--env %q is not a valid environment variable name", e)
				}
				opts.Env = &e
			}
			if c.IsSet("description") {
				d := c.String("description")
				if err := format.ValidateDescription(d); err != nil {
					return usagef("", "--description: %v", err)
				}
				opts.Description = &d
			}
			if opts.Rotation, err = rotationFlags(c); err != nil {
				return err
			}
			if c.IsSet("generate") && c.String("generate") != "" {
				// A bad spec is a usage error before any identity is asked for.
				if _, err := format.ParseGenerator(c.String("generate")); err != nil {
					return usagef("", "--generate: %v", err)
				}
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			var value []byte
			if c.IsSet("generate") {
				spec := c.String("generate")
				if spec == "" {
					if spec, err = v.DefaultGenerateFor(name); err != nil {
						return err
					}
				}
				g, err := format.ParseGenerator(spec)
				if err != nil {
					return usagef("", "--generate: %v", err)
				}
				opts.Rotation.Generator = &g
				value = crypto.RandomValue(g)
			} else {
				value, err = t.readValue(name, format.MaxValueSize)
				if err != nil {
					return err
				}
			}
			h, err := v.Set(name, value, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(t.stderr, "tresor: set %s (version %d, readers: %s)\n", h.Name, h.Version, joinNames(h.Readers))
			if h.Env != "" && !envStringFits(h.Env, value) {
				t.note("warning: %s is %d KiB, more than one environment variable can hold (128 KiB): tresor exec refuses to export it; hand it over as a file with tresor exec --mount %s=%s_FILE", h.Name, (len(value)+1023)/1024, h.Name, h.Env)
			}
			return nil
		},
	}
}

func oneArg(c *cli.Context, what string) (string, error) {
	if c.NArg() != 1 {
		name := commandPath(c.Command)
		return "", usagef(name+" --help shows its usage", "%s takes one %s, got %d arguments", name, what, c.NArg())
	}
	return c.Args().First(), nil
}

func joinNames(n []string) string {
	if len(n) == 0 {
		return "none"
	}
	s := n[0]
	for _, x := range n[1:] {
		s += ", " + x
	}
	return s
}
