package cmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tresor-dev/tresor/vault"
)

// printRevocation tells what a policy change that took read access did:
// what was re-encrypted, what the lost readers could read (from the
// journal) and what to rotate, on stderr; with asJSON the whole report goes
// to stdout too. Every command that changes the policy prints it after the
// change: member rm, and policy apply and policy edit through
// signPolicyChange.
func printRevocation(t *terminal, rev *vault.Revocation, asJSON bool) error {
	if asJSON {
		if err := printRevocationJSON(t, rev); err != nil {
			return err
		}
	}
	if rev == nil || len(rev.Lost) == 0 {
		return nil
	}
	w := t.stderr
	who := make([]string, len(rev.Lost))
	for i, l := range rev.Lost {
		who[i] = l.Member
	}
	names := joinNames(who)
	if n := len(rev.Reencrypted); n > 0 {
		fmt.Fprintf(w, "tresor: re-encrypted %s to the new readers, marked exposed where %s lost access\n", plural(n, "secret"), names)
	}
	for _, l := range rev.Lost {
		var mine []vault.Exposure
		for _, e := range rev.Exposures {
			if e.Member == l.Member {
				mine = append(mine, e)
			}
		}
		if len(mine) == 0 {
			fmt.Fprintf(w, "tresor: the journal records nothing %s could read\n", l.Member)
			continue
		}
		fmt.Fprintf(w, "tresor: %s could read %s:\n", l.Member, plural(len(mine), "secret"))
		tb := newTable(w, "  ROTATE", "SECRET", "VERSIONS", "NOTE")
		for _, e := range mine {
			rotate, note := "  yes", "the current value: rotate it"
			switch {
			case e.Deleted:
				rotate, note = "  -", "deleted since"
			case !e.Current:
				rotate, note = "  no", "only older values (changed since)"
			}
			if len(e.EarlierNames) > 0 {
				note += "; was " + strings.Join(e.EarlierNames, ", ")
			}
			tb.row(rotate, e.Secret, versionRanges(e.Versions), note)
		}
		if err := tb.flush(); err != nil {
			return err
		}
	}
	if len(rev.Pending) > 0 {
		fmt.Fprintf(w, "tresor: %s not re-encrypted: %s can still decrypt them until one of the members named does:\n", plural(len(rev.Pending), "secret"), names)
		tb := newTable(w, "  SECRET", "ENCRYPTED TO", "CAN RE-ENCRYPT", "WHY NOT YOU")
		for _, p := range rev.Pending {
			tb.row("  "+p.Name, joinNames(p.Readers), joinNames(p.CanDo), p.Reason)
		}
		if err := tb.flush(); err != nil {
			return err
		}
		fmt.Fprintln(w, "tresor: hint: one of them runs tresor reencrypt; tresor status lists these as pending until then")
	}
	switch rot := rev.Rotate(); {
	case len(rot) > 10:
		fmt.Fprintf(w, "tresor: hint: rotate the %d secrets marked yes above: tresor rotate --due rotates those with a generator or rotator, and lists the rest\n", len(rot))
	case len(rot) > 0:
		fmt.Fprintf(w, "tresor: hint: rotate what %s may have kept: tresor rotate %s\n", names, strings.Join(rot, " "))
	}
	return nil
}

// printRevocationJSON prints the report on stdout (an empty one when the
// change took no read access).
func printRevocationJSON(t *terminal, rev *vault.Revocation) error {
	if rev == nil {
		rev = &vault.Revocation{Lost: []vault.LostReader{}, Reencrypted: []string{}, Pending: []vault.PendingReencrypt{}, Exposures: []vault.Exposure{}}
	}
	out := struct {
		*vault.Revocation
		Rotate []string `json:"rotate"`
	}{rev, rev.Rotate()}
	if out.Rotate == nil {
		out.Rotate = []string{}
	}
	return printJSON(t.stdout, out)
}

// versionRanges writes sorted versions as "1-3, 5".
func versionRanges(vs []int) string {
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j+1 < len(vs) && vs[j+1] == vs[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(vs[i]))
		} else {
			parts = append(parts, strconv.Itoa(vs[i])+"-"+strconv.Itoa(vs[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
