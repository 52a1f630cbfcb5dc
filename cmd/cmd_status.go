package cmd

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/tresor-dev/tresor/format"
	"github.com/tresor-dev/tresor/vault"
)

func statusCommand(t *terminal) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "what needs doing: exposed, expired, overdue, expiring, unrotated, readers to fix (no identity needed)",
		ArgsUsage: "[PREFIX]",
		Description: `Lists the secrets under PREFIX (all by default) that need attention, most
urgent first, one row per secret: its most urgent state first, then the
others it also has.
  exposed     the header says why the value may be known outside its readers
              (a member removed), or a reader the policy dropped can still
              decrypt it: rotate it
  expired     its expiry has passed
  overdue     rotated (else created) + every has passed
  expiring    it expires within --within (the signed setting
              expiring-within, default 14d)
  due         its rotation falls due within --within
  never       a rotation period applies and it was never rotated
  pending     its readers differ from the policy: tresor reencrypt (DETAIL
              says who can)
  half-done   a rotation began and did not finish: tresor rotate NAME --resume
              or --abort
  unverified  its file does not match the journal (exit 3)
EVERY is the rotation period, from the secret's header or, marked
"(default GLOB)", from the policy's settings.rotation.
Reads the verified journal and the headers only: no identity, nothing is
decrypted, so CI runs it with nothing but a checkout. A summary goes to
stderr; --all lists the secrets that are ok too. Exits 0 whatever it finds,
unless --fail-on names a condition that holds (exit 5), or a file does not
match the journal (exit 3).

Examples:
   tresor status
   tresor status prod/ --all
   tresor status --at 2027-01-01              # what will need doing then
   tresor status --fail-on overdue,expired,exposed   # a CI gate
   tresor status --json | jq -r '.[] | select(.state == "overdue") | .name'`,
		Flags: withGlobal(
			&cli.StringFlag{Name: "at", Usage: "evaluate at `DATE` (YYYY-MM-DD or RFC 3339) instead of now"},
			&cli.StringFlag{Name: "within", Usage: "list as expiring or due what falls within `DURATION` (e.g. 30d; default: the policy's expiring-within, 14d)"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit 5 when a secret is in one of these `STATES` (comma-separated: " + failOnNames() + ")"},
			&cli.BoolFlag{Name: "all", Usage: "list the secrets that are ok too"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON (docs/formats.md describes it)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("", "tresor status takes at most one PREFIX")
			}
			var opts vault.StatusOptions
			opts.Prefix = c.Args().First()
			if s := c.String("at"); s != "" {
				at, err := format.ParseDate(s)
				if err != nil {
					return usagef("e.g. --at 2027-01-01 or --at 2027-01-01T09:00:00Z", "--at: %v", err)
				}
				opts.At = at
			}
			if s := c.String("within"); s != "" {
				d, err := format.ParseDuration(s)
				if err != nil {
					return usagef("e.g. --within 30d", "--within: %v", err)
				}
				opts.Within = d
			}
			var failOn []vault.StatusCondition
			if c.IsSet("fail-on") {
				var err error
				if failOn, err = vault.ParseStatusConditions(c.String("fail-on")); err != nil {
					return usagef("--fail-on takes a comma-separated list of: "+failOnNames(), "--fail-on: %v", err)
				}
			}
			v, err := openVault(c, t)
			if err != nil {
				return err
			}
			defer v.Close()
			rep, err := v.Status(opts)
			if err != nil {
				return err
			}
			shown := rep.Secrets
			if !c.Bool("all") {
				shown = shown[:0:0]
				for _, s := range rep.Secrets {
					if !s.OK() {
						shown = append(shown, s)
					}
				}
			}
			if c.Bool("json") {
				err = printStatusJSON(t.stdout, shown)
			} else {
				err = printStatusTable(t.stdout, t.colorOut, rep.At, shown)
			}
			if err != nil {
				return err
			}
			t.note("%s", rep.Summary(opts.At.IsZero()))
			if err := rep.Unverified(); err != nil {
				return err
			}
			return rep.FailOn(failOn)
		},
	}
}

func failOnNames() string {
	var names []string
	for _, c := range vault.FailOnConditions() {
		names = append(names, c.String())
	}
	return strings.Join(names, ",")
}

// statusRow is one secret as --json prints it: its most urgent state
// (or "ok") beside all the fields.
type statusRow struct {
	State string `json:"state"`
	vault.SecretStatus
}

func printStatusJSON(w io.Writer, list []vault.SecretStatus) error {
	rows := make([]statusRow, 0, len(list))
	for _, s := range list {
		if s.Conditions == nil {
			s.Conditions = []vault.StatusCondition{}
		}
		rows = append(rows, statusRow{State: stateOf(s), SecretStatus: s})
	}
	return printJSON(w, rows)
}

func stateOf(s vault.SecretStatus) string {
	if s.OK() {
		return "ok"
	}
	return s.Conditions[0].String()
}

// printStatusTable writes the table. Colour goes on the STATE column after
// the columns are aligned (escape codes have no width on a terminal).
func printStatusTable(w io.Writer, color bool, at time.Time, list []vault.SecretStatus) error {
	if len(list) == 0 {
		return nil // the summary on stderr says it all
	}
	rows := [][]string{{"SECRET", "STATE", "WHEN", "EVERY", "DETAIL"}}
	for _, s := range list {
		state := "ok"
		if !s.OK() {
			var names []string
			for _, c := range s.Conditions {
				names = append(names, c.String())
			}
			state = strings.Join(names, ",")
		}
		every := "-"
		if s.Every != "" {
			every = string(s.Every)
			if s.EveryFrom != "" {
				every += " (default " + s.EveryFrom + ")"
			}
		}
		rows = append(rows, []string{s.Name, state, whenCell(s.When, at), every, detailOf(s)})
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r[:len(r)-1] {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for n, r := range rows {
		for i, cell := range r {
			if i == len(r)-1 {
				b.WriteString(cell)
				break
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2)
			if i == 1 && n > 0 && color {
				cell = paintState(list[n-1], cell)
			}
			b.WriteString(cell + pad)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// paintState colours a state cell: red for what is wrong now, yellow for
// what needs doing soon.
func paintState(s vault.SecretStatus, cell string) string {
	if s.OK() {
		return cell
	}
	c := yellow
	switch s.Conditions[0] {
	case vault.StatusUnverified, vault.StatusExposed, vault.StatusExpired, vault.StatusOverdue:
		c = red
	case vault.StatusNever:
		return cell
	}
	return string(c) + cell + "\x1b[0m"
}

// whenCell is a date and how far it is from at: "2027-03-01 (in 12d)".
func whenCell(when, at time.Time) string {
	if when.IsZero() {
		return "-"
	}
	return when.Format("2006-01-02") + " (" + relative(when.Sub(at)) + ")"
}

func relative(d time.Duration) string {
	ago := d < 0
	if ago {
		d = -d
	}
	var s string
	switch {
	case d >= 24*time.Hour:
		s = fmt.Sprintf("%dd", int(d.Round(24*time.Hour)/(24*time.Hour)))
	case d >= time.Hour:
		s = fmt.Sprintf("%dh", int(d.Round(time.Hour)/time.Hour))
	case d >= time.Minute:
		s = fmt.Sprintf("%dm", int(d.Round(time.Minute)/time.Minute))
	default:
		return "now"
	}
	if ago {
		return s + " ago"
	}
	return "in " + s
}

// detailOf says, for each of the secret's states, what a human needs to
// know to act on it.
func detailOf(s vault.SecretStatus) string {
	var parts []string
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	for _, c := range s.Conditions {
		switch c {
		case vault.StatusUnverified:
			parts = append(parts, s.Problem)
		case vault.StatusExposed:
			parts = append(parts, s.Exposed...)
		case vault.StatusExpired:
			parts = append(parts, "expired "+day(s.Expires))
		case vault.StatusExpiring:
			parts = append(parts, "expires "+day(s.Expires))
		case vault.StatusOverdue, vault.StatusDue:
			if s.Rotated.IsZero() {
				parts = append(parts, "due "+day(s.Due)+", created "+day(s.Created))
			} else {
				parts = append(parts, "due "+day(s.Due)+", rotated "+day(s.Rotated))
			}
		case vault.StatusNever:
			if !s.Has(vault.StatusOverdue) && !s.Has(vault.StatusDue) {
				parts = append(parts, "first rotation due "+day(s.Due))
			}
		case vault.StatusPending:
			var change []string
			for _, m := range s.ReadersToAdd {
				change = append(change, "+"+m)
			}
			for _, m := range s.ReadersToRemove {
				change = append(change, "-"+m)
			}
			who := "nobody who reads it can (a reader who writes it or an admin, with a signing key)"
			if len(s.CanReencrypt) > 0 {
				who = strings.Join(s.CanReencrypt, ", ")
			}
			parts = append(parts, "readers "+strings.Join(change, " ")+", tresor reencrypt by "+who)
		case vault.StatusHalfDone:
			parts = append(parts, "rotation started "+day(s.PendingSince)+": tresor rotate "+s.Name+" --resume or --abort")
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}
