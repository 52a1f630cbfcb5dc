package cmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func metaCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "meta",
		Usage:     "show or change a secret's rotation metadata without changing its value",
		ArgsUsage: "NAME",
		Description: `Without flags, prints the rotation metadata of NAME: how often it is rotated,
when it last changed, when it expires, how its next value is made (generator,
rotator), and whether it is marked exposed; a field the header leaves unset
shows the signed policy's rotation default for NAME, if one applies. Needs no
identity.

With flags, changes that metadata and keeps the value (and the previous and
pending values a rotation keeps beside it): a secret.meta journal entry, the
version +1. The header is bound into the ciphertext, so you must be a writer
and a reader of NAME.

--exposed REASON marks the current value as possibly known to someone who
should not know it (a laptop lost, a value pasted into a chat): tresor status
lists it until the value changes. Only a new value clears it (tresor rotate,
or tresor set), so there is no flag to clear it.

Durations are a number and a unit (s, m, h, d, w, y: 90d); dates are
YYYY-MM-DD (midnight UTC) or an RFC 3339 time, in the future. A bad
duration, date or generator is a usage error (exit 2); an expiry in the past
or a rotator the signed policy does not define is refused (exit 1). Nothing
is written then.

Examples:
   tresor meta prod/db/password
   tresor meta prod/db/password --rotate-every 90d --generator password:32
   tresor meta vendor/api-key --expires 2027-06-30
   tresor meta prod/db/password --rotator pg-app
   tresor meta prod/api/token --exposed "pasted in the team chat 2026-11-28"
   tresor meta prod/db/password --json`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "rotate-every", Usage: "rotate every `DURATION` (e.g. 90d)"},
			&cli.BoolFlag{Name: "no-rotate", Usage: "remove the rotation period (a rotation default may still apply)"},
			&cli.StringFlag{Name: "expires", Usage: "the value stops being valid on `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.BoolFlag{Name: "no-expires", Usage: "remove the expiry date"},
			&cli.StringFlag{Name: "generator", Usage: "make the next value from `SPEC` (as set --generate)"},
			&cli.BoolFlag{Name: "no-generator", Usage: "remove the generator"},
			&cli.StringFlag{Name: "rotator", Usage: "rotate with the policy's rotator `NAME`"},
			&cli.BoolFlag{Name: "no-rotator", Usage: "remove the rotator"},
			&cli.StringFlag{Name: "exposed", Usage: "mark the current value exposed, saying why (`REASON`)"},
			&cli.BoolFlag{Name: "json", Usage: "print the metadata as JSON"},
		),
		Action: func(c *cli.Context) error {
			name, err := oneArg(c, "NAME")
			if err != nil {
				return err
			}
			rot, err := rotationFlags(c)
			if err != nil {
				return err
			}
			opts := vault.MetaOptions{RotationOptions: rot}
			if c.IsSet("exposed") {
				opts.Exposed = c.String("exposed")
				if opts.Exposed == "" || format.ValidateDescription(opts.Exposed) != nil {
					return usagef("say in one line who may know the value and since when", "--exposed takes a reason: one line of at most 200 bytes")
				}
			}
			if !metaChanges(c) {
				v, err := openVault(c, t)
				if err != nil {
					return err
				}
				defer v.Close()
				return printMetadata(t, v, name, c.Bool("json"))
			}
			v, _, err := openForWrite(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			h, changed, err := v.Meta(name, opts)
			if err != nil {
				return err
			}
			if changed {
				fmt.Fprintf(t.stderr, "tresor: changed the metadata of %s (version %d, readers: %s)\n", h.Name, h.Version, joinNames(h.Readers))
			} else {
				fmt.Fprintf(t.stderr, "tresor: the metadata of %s is already so; nothing written\n", name)
			}
			if c.Bool("json") {
				return printMetadata(t, v, name, true)
			}
			return nil
		},
	}
}

// metaFlags are the flags of tresor meta that change something.
var metaFlags = []string{"rotate-every", "no-rotate", "expires", "no-expires", "generator", "no-generator", "rotator", "no-rotator", "exposed"}

func metaChanges(c *cli.Context) bool {
	for _, f := range metaFlags {
		if c.IsSet(f) {
			return true
		}
	}
	return false
}

// rotationFlags reads the rotation flags set and meta share (meta also has
// the --no-… forms and --generator) into vault options, refusing what does
// not parse before anything is opened.
func rotationFlags(c *cli.Context) (vault.RotationOptions, error) {
	var o vault.RotationOptions
	for _, pair := range [][2]string{{"rotate-every", "no-rotate"}, {"expires", "no-expires"}, {"generator", "no-generator"}, {"rotator", "no-rotator"}} {
		if c.IsSet(pair[0]) && c.IsSet(pair[1]) {
			return o, usagef("", "--%s and --%s contradict each other", pair[0], pair[1])
		}
	}
	if c.IsSet("rotate-every") {
		d := format.Duration(c.String("rotate-every"))
		if _, err := format.ParseDuration(string(d)); err != nil {
			return o, usagef("e.g. --rotate-every 90d", "--rotate-every %q: %v", truncateArg(string(d)), err)
		}
		o.Every = &d
	}
	if c.Bool("no-rotate") {
		none := format.Duration("")
		o.Every = &none
	}
	if c.IsSet("expires") {
		e, err := format.ParseDate(c.String("expires"))
		if err != nil {
			return o, usagef("e.g. --expires 2027-06-30", "--expires %q: %v", truncateArg(c.String("expires")), err)
		}
		o.Expires = &e
	}
	if c.Bool("no-expires") {
		o.Expires = &time.Time{}
	}
	if c.IsSet("generator") {
		g, err := format.ParseGenerator(c.String("generator"))
		if err != nil {
			return o, usagef("", "--generator: %v", err)
		}
		o.Generator = &g
	}
	o.NoGenerator = c.Bool("no-generator")
	if c.IsSet("rotator") {
		r := c.String("rotator")
		if format.ValidateMemberName(r) != nil {
			return o, usagef("tresor policy show lists the rotators (settings: rotators)", "--rotator %q is not a rotator name", truncateArg(r))
		}
		o.Rotator = &r
	}
	if c.Bool("no-rotator") {
		none := ""
		o.Rotator = &none
	}
	return o, nil
}

// truncateArg shortens a flag value quoted back in an error.
func truncateArg(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// metadataJSON is tresor meta --json. Unset fields are left out; the
// default is the signed policy's rotation default for the name.
type metadataJSON struct {
	Name    string    `json:"name"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Readers []string  `json:"readers"`
	rotationJSON
	Default   *defaultJSON   `json:"default,omitempty"`
	Effective *effectiveJSON `json:"effective"`
}

type defaultJSON struct {
	Path     string `json:"path"`
	Every    string `json:"every,omitempty"`
	Generate string `json:"generate,omitempty"`
	Rotator  string `json:"rotator,omitempty"`
}

// effectiveJSON is what rotation uses: the header's field, else the
// default's (the generator falls back to the default's generate only).
type effectiveJSON struct {
	Every     string `json:"every,omitempty"`
	Generator string `json:"generator,omitempty"`
	Rotator   string `json:"rotator,omitempty"`
}

func printMetadata(t *terminal, v *vault.Vault, name string, asJSON bool) error {
	m, err := v.SecretMetadata(name)
	if err != nil {
		return err
	}
	j := metadataJSON{Name: m.Name, Version: m.Version, Created: m.Created, Updated: m.Updated, Readers: m.Readers,
		Effective: &effectiveJSON{Every: string(m.Effective.Every), Generator: m.Effective.Generator, Rotator: m.Effective.Rotator}}
	if j.Readers == nil {
		j.Readers = []string{}
	}
	if r := rotationOf(m.Rotation); r != nil {
		j.rotationJSON = *r
	}
	if d := m.Default; d != nil {
		j.Default = &defaultJSON{Path: d.Path, Every: string(d.Every), Generate: d.Generate, Rotator: d.Rotator}
	}
	if asJSON {
		return printJSON(t.stdout, j)
	}
	fromDefault := func(own, eff string) string {
		switch {
		case own != "":
			return own
		case eff != "":
			return eff + " (default for " + j.Default.Path + ")"
		}
		return "-"
	}
	rotated := "never (counts from created)"
	if j.Rotated != nil {
		rotated = j.Rotated.Format(time.RFC3339)
	}
	expires := "-"
	if j.Expires != nil {
		expires = format.FormatDate(*j.Expires)
	}
	pending := "-"
	if j.Pending != nil {
		pending = "a rotation is in progress since " + j.Pending.Format(time.RFC3339) + " (tresor rotate " + name + " --resume or --abort)"
	}
	exposed := j.Exposed
	if exposed == "" {
		exposed = "-"
	}
	var b strings.Builder
	for _, kv := range [][2]string{
		{"name", j.Name},
		{"version", strconv.Itoa(j.Version)},
		{"created", j.Created.Format(time.RFC3339)},
		{"updated", j.Updated.Format(time.RFC3339)},
		{"readers", joinNames(j.Readers)},
		{"every", fromDefault(j.Every, j.Effective.Every)},
		{"rotated", rotated},
		{"expires", expires},
		{"generator", fromDefault(j.Generator, j.Effective.Generator)},
		{"rotator", fromDefault(j.Rotator, j.Effective.Rotator)},
		{"exposed", exposed},
		{"pending", pending},
	} {
		fmt.Fprintf(&b, "%-10s %s\n", kv[0]+":", kv[1])
	}
	_, err = fmt.Fprint(t.stdout, b.String())
	return err
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// rotationJSON is a header's rotation metadata in ls --json.
type rotationJSON struct {
	Every     string     `json:"every,omitempty"`
	Rotated   *time.Time `json:"rotated,omitempty"`
	Expires   *time.Time `json:"expires,omitempty"`
	Generator string     `json:"generator,omitempty"`
	Rotator   string     `json:"rotator,omitempty"`
	Exposed   string     `json:"exposed,omitempty"`
	Pending   *time.Time `json:"pending,omitempty"`
}

func rotationOf(r *format.Rotation) *rotationJSON {
	if r == nil {
		return nil
	}
	j := &rotationJSON{Every: string(r.Every), Rotated: timeOrNil(r.Rotated), Expires: timeOrNil(r.Expires),
		Rotator: r.Rotator, Exposed: r.Exposed, Pending: timeOrNil(r.Pending)}
	if r.Generator != nil {
		j.Generator = r.Generator.String()
	}
	return j
}
