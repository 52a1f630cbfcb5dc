package vault

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// rotationDue says why secret h must be rotated at now under policy p
// (exposed, overdue), or "" when it need not: status's evaluation of the
// shared rotation semantics, so that rotate --due and status never
// disagree about what is due.
func rotationDue(p *format.Policy, h format.SecretHeader, now time.Time) string {
	s := evaluateSecret(&h, p, statusClock{at: now}, func(string) bool { return true })
	var why []string
	if s.Has(StatusExposed) {
		why = append(why, "exposed: "+strings.Join(s.Exposed, "; "))
	}
	if s.Has(StatusOverdue) {
		why = append(why, "overdue since "+s.Due.UTC().Format(time.RFC3339))
	}
	return strings.Join(why, "; ")
}

// DueRotations returns the plans of every secret under prefix that is
// overdue or exposed now, sorted by name. A plan with Human set cannot be
// rotated by tresor rotate --due (no generator, a rotation half done).
func (v *Vault) DueRotations(prefix string) ([]RotationPlan, error) {
	if err := format.ValidatePrefix(prefix); err != nil {
		return nil, problemf(nil, "", "prefix: %v", err)
	}
	st, err := v.verifiedForRead()
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(st.secrets))
	now := v.timeNow()
	var out []RotationPlan
	for _, n := range names {
		if !format.HasPrefix(n, prefix) {
			continue
		}
		sf, err := v.readRecordedSecret(n, st)
		if err != nil {
			return nil, err
		}
		if sf == nil {
			continue
		}
		why := rotationDue(v.Policy, sf.Header, now)
		if why == "" {
			continue
		}
		plan, err := v.planOf(sf.Header)
		if err != nil {
			plan = &RotationPlan{Name: n, Version: sf.Header.Version, Human: err.Error()}
		}
		plan.Due = why
		switch {
		case plan.Human != "":
		case plan.Rotator != "" && !v.rotatorDefined(plan.Rotator):
			plan.Human = "it names the rotator " + plan.Rotator + ", which the policy does not define"
		case !plan.Pending.IsZero():
			plan.Human = "a rotation is half done: tresor rotate " + n + " --resume or --abort"
		case plan.Generator == "" && plan.Rotator != "":
			plan.Human = "it has a rotator but no generator: pipe the new value to tresor rotate " + n
		case plan.Generator == "":
			plan.Human = "no generator or rotator: pipe the new value to tresor rotate " + n
		}
		out = append(out, *plan)
	}
	// A secret with concurrent versions has no header status believes
	// (it shows it unverified): whether it is due is not known until a
	// writer resolves it.
	for _, n := range st.conflicts {
		if format.HasPrefix(n, prefix) {
			out = append(out, RotationPlan{Name: n, Due: "unverified", Human: "it has concurrent versions from merged branches: tresor resolve " + n + " first"})
		}
	}
	slices.SortFunc(out, func(a, b RotationPlan) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (v *Vault) rotatorDefined(name string) bool {
	_, ok := v.Policy.RotatorNamed(name)
	return ok
}
