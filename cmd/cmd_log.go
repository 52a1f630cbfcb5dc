package cmd

import (
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
)

func logCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "log",
		Usage:     "show who changed what, and when",
		ArgsUsage: "[NAME]",
		Description: `Prints the journal as an audit trail: time, member, action, target and
version, for one secret or for all, oldest first. Needs no identity. The
journal is then checked as tresor verify does (from the state this clone
verified last, when nothing changed since): when it does not verify, the
trail printed cannot be trusted, and log says so and exits 3.
--since takes a date (2026-11-01), a time (2026-11-01T09:00:00Z) or a
duration back from now (7d, 12h).

Examples:
   tresor log
   tresor log prod/db/password --since 30d
   tresor log --json`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "since", Usage: "only entries from `WHEN` on"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("", "tresor log takes at most one NAME")
			}
			since, err := parseSince(c.String("since"))
			if err != nil {
				return err
			}
			v, err := openVault(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			entries, err := v.Log(c.Args().First(), since)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				if err := printJSON(t.stdout, entries); err != nil {
					return err
				}
				return v.CheckJournal()
			}
			tb := newTable(t.stdout, "TIME", "MEMBER", "ACTION", "TARGET", "VERSION")
			for _, e := range entries {
				target := e.Target
				switch {
				case e.From != "":
					target = e.From + " -> " + e.Target
				case e.Change != "":
					target = e.Change
				case len(e.Files) > 0:
					target = countedNames(e.Files)
				case target == "":
					target = "-"
				}
				version := "-"
				if e.Version > 0 {
					version = strconv.Itoa(e.Version)
				}
				tb.row(e.Time.Format(time.RFC3339), e.Actor, e.Action, target, version)
			}
			if err := tb.flush(); err != nil {
				return err
			}
			return v.CheckJournal()
		},
	}
}

func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if d, err := format.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, usagef("e.g. --since 2026-11-01 or --since 7d", "--since %q is neither a date nor a duration", s)
}
