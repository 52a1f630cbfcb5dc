package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func rotateCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "give secrets a new value, applied by their rotator",
		ArgsUsage: "NAME... | --due [--prefix P]",
		Description: `Gives each NAME a new value: from its generator (the header's, else the
signed rotation default's), or from stdin when it has none (one NAME only).
The old value is kept as the previous one (tresor get NAME --previous);
rotated is set, exposed cleared, and the file is sealed under a fresh read key.

A secret with a rotator (a command the signed policy defines) is rotated in
two journaled phases: the new value is recorded as pending, then the rotator
runs with the new value on stdin and the current one on file descriptor 3
(and in the variable its current-env names), in the top of the work tree.
Only when it exits 0 does the new value become current. When it fails, is
missing or times out, the current value stays in force and the new one stays
pending: --resume runs the rotator again, --abort drops the pending value.
A rotator that runs a file of the repository runs only if the file's SHA-256
is the one the policy pins for it (exit 3 otherwise). The rotator's output
goes to stderr.

--due rotates every secret under --prefix that is overdue or exposed and has
a generator, and lists the others as needing a human. --dry-run prints what
would happen and writes nothing.

Examples:
   tresor rotate prod/api/token
   printf %s "$NEW" | tresor rotate prod/legacy/key
   tresor rotate --due --prefix prod/ --dry-run
   tresor rotate prod/db/password --resume`,
		Flags: withGlobal(
			&cli.BoolFlag{Name: "due", Usage: "rotate every overdue or exposed secret"},
			&cli.StringFlag{Name: "prefix", Usage: "with --due, only secrets under `PREFIX`"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would be rotated; write nothing"},
			&cli.BoolFlag{Name: "resume", Usage: "run the rotator of a half-done rotation again"},
			&cli.BoolFlag{Name: "abort", Usage: "drop the pending value of a half-done rotation"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			o := rotateOptions{due: c.Bool("due"), prefix: c.String("prefix"), dryRun: c.Bool("dry-run"),
				resume: c.Bool("resume"), abort: c.Bool("abort"), json: c.Bool("json"), names: c.Args().Slice()}
			return runRotate(c, t, o)
		},
	}
}

type rotateOptions struct {
	due, dryRun, resume, abort, json bool
	prefix                           string
	names                            []string
}

func runRotate(c *cli.Context, t *terminal, o rotateOptions) error {
	switch {
	case o.due && len(o.names) > 0:
		return usagef("tresor rotate --help shows its usage", "give NAMEs or --due, not both")
	case !o.due && len(o.names) == 0:
		return usagef("tresor rotate --help shows its usage", "tresor rotate takes NAMEs, or --due")
	case o.prefix != "" && !o.due:
		return usagef("", "--prefix goes with --due")
	case o.resume && o.abort:
		return usagef("", "--resume and --abort exclude each other")
	case (o.resume || o.abort) && o.due:
		return usagef("tresor rotate NAME --resume (or --abort)", "--resume and --abort take NAMEs, not --due")
	}
	for _, n := range o.names {
		if err := format.ValidateName(n); err != nil {
			return usagef("names are paths like prod/db/password", "%v", err)
		}
	}
	v, _, err := openForWrite(c, t)
	if err != nil {
		return err
	}
	defer v.Close()

	var plans []vault.RotationPlan
	if o.due {
		if plans, err = v.DueRotations(o.prefix); err != nil {
			return err
		}
	} else {
		for _, n := range o.names {
			p, err := v.PlanRotation(n)
			if err != nil {
				return err
			}
			plans = append(plans, *p)
		}
	}
	// Refusals that concern the whole command come before the first write.
	var value []byte
	if !o.due && !o.resume && !o.abort {
		for _, p := range plans {
			if p.Generator == "" && len(plans) > 1 {
				return usagef("rotate it alone, with the new value on stdin: tresor rotate "+p.Name+" < file",
					"%s has no generator, so its new value comes from stdin, which serves one NAME only", p.Name)
			}
		}
		if len(plans) == 1 && plans[0].Generator == "" && plans[0].Pending.IsZero() && !o.dryRun {
			if value, err = t.readValue(plans[0].Name, format.MaxValueSize); err != nil {
				return err
			}
			if len(value) > format.MaxValueSize {
				return hintedf("store large files elsewhere and keep their key in tresor", "the new value is larger than 1 MiB")
			}
		}
	}
	if o.dryRun {
		return printRotationPlans(t, plans, o)
	}

	var results []vault.RotateResult
	var human []vault.RotationPlan
	failed := 0
	for _, p := range plans {
		if p.Human != "" {
			human = append(human, p)
			continue
		}
		res, err := v.Rotate(p.Name, vault.RotateOptions{Value: value, Resume: o.resume, Abort: o.abort, Output: t.stderr})
		if err != nil {
			if !o.due {
				return err
			}
			// --due goes on with the others and fails at the end.
			failed++
			reportError(t, err)
			continue
		}
		results = append(results, *res)
		if !o.json {
			fmt.Fprintln(t.stdout, describeRotation(*res))
		}
		if res.Exposed != "" && res.Done == "resumed" {
			t.note("warning: the value %s now holds was pending while readers changed, and is already exposed (%s)", res.Name, res.Exposed)
			t.note("hint: rotate it again, now: tresor rotate %s", res.Name)
		}
	}
	if o.json {
		if err := printJSON(t.stdout, struct {
			Done   []vault.RotateResult `json:"done"`
			Human  []vault.RotationPlan `json:"needs_human"`
			Failed int                  `json:"failed"`
		}{nonNil(results), nonNil(human), failed}); err != nil {
			return err
		}
	} else {
		for _, p := range human {
			fmt.Fprintf(t.stdout, "needs a human: %s (%s): %s\n", p.Name, p.Due, p.Human)
		}
	}
	if o.due && !o.json {
		t.note("%d rotated, %d need a human, %d failed", len(results), len(human), failed)
	}
	if failed > 0 {
		return hintedf("the errors above say what to do for each", "%d of %d rotations failed", failed, len(plans)-len(human))
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func describeRotation(r vault.RotateResult) string {
	switch r.Done {
	case "aborted":
		return fmt.Sprintf("aborted the rotation of %s (version %d): the current value stays", r.Name, r.Version)
	case "resumed":
		return fmt.Sprintf("rotated %s (version %d, rotator %s, resumed)", r.Name, r.Version, r.Rotator)
	}
	if r.Rotator != "" {
		return fmt.Sprintf("rotated %s (version %d, rotator %s)", r.Name, r.Version, r.Rotator)
	}
	return fmt.Sprintf("rotated %s (version %d)", r.Name, r.Version)
}

// printRotationPlans prints what rotate would do (--dry-run).
func printRotationPlans(t *terminal, plans []vault.RotationPlan, o rotateOptions) error {
	if o.json {
		return printJSON(t.stdout, nonNil(plans))
	}
	for _, p := range plans {
		due := ""
		if p.Due != "" {
			due = " (" + p.Due + ")"
		}
		switch {
		case p.Human != "":
			fmt.Fprintf(t.stdout, "needs a human: %s%s: %s\n", p.Name, due, p.Human)
		case o.abort:
			fmt.Fprintf(t.stdout, "would abort the rotation of %s\n", p.Name)
		case o.resume:
			fmt.Fprintf(t.stdout, "would run rotator %s again for %s\n", p.Rotator, p.Name)
		default:
			from := "a value from stdin"
			if p.Generator != "" {
				from = "generator " + p.Generator
			}
			with := ""
			if p.Rotator != "" {
				with = ", applied by rotator " + p.Rotator
			}
			fmt.Fprintf(t.stdout, "would rotate %s%s: %s%s\n", p.Name, due, from, with)
		}
	}
	if len(plans) == 0 {
		t.note("nothing to rotate")
	}
	return nil
}
