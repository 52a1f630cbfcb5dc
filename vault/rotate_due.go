package vault

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// rotationDue says why secret h must be rotated at now under policy p
// (overdue, exposed), or "" when it need not. It follows the rotation
// semantics every #9 command shares (see docs/decisions.md): overdue when
// an every (the header's, else the first matching default's) has passed
// since rotated (else created); exposed when the header says so or lists a
// reader the policy no longer gives read access.
func rotationDue(p *format.Policy, h format.SecretHeader, now time.Time) string {
	var why []string
	if r := h.Rotation; r != nil && r.Exposed != "" {
		why = append(why, "exposed: "+r.Exposed)
	} else if gone := lostReaders(p, h); len(gone) > 0 {
		why = append(why, "exposed: "+joinOrNone(gone)+" can still decrypt it but may no longer read it")
	}
	if every := everyOf(p, h); every > 0 {
		since := h.Created
		if r := h.Rotation; r != nil && !r.Rotated.IsZero() {
			since = r.Rotated
		}
		if due := since.Add(every); !due.After(now) {
			why = append(why, fmt.Sprintf("overdue since %s", due.UTC().Format(time.RFC3339)))
		}
	}
	if len(why) == 0 {
		return ""
	}
	out := why[0]
	for _, w := range why[1:] {
		out += "; " + w
	}
	return out
}

// everyOf is h's rotation period: the header's every, else the first
// matching signed default's; 0 for none.
func everyOf(p *format.Policy, h format.SecretHeader) time.Duration {
	every := format.Duration("")
	if r := h.Rotation; r != nil && r.Every != "" {
		every = r.Every
	} else if d, _ := p.RotationDefaultFor(h.Name); d != nil {
		every = d.Every
	}
	if every == "" {
		return 0
	}
	d, err := format.ParseDuration(string(every))
	if err != nil {
		return 0
	}
	return d
}

// lostReaders are the members h is encrypted to whom the policy no longer
// gives read access.
func lostReaders(p *format.Policy, h format.SecretHeader) []string {
	want := p.ReadersOf(h.Name)
	var gone []string
	for _, r := range h.Readers {
		if !slices.Contains(want, r) {
			gone = append(gone, r)
		}
	}
	return gone
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
	return out, nil
}

func (v *Vault) rotatorDefined(name string) bool {
	_, ok := v.Policy.RotatorNamed(name)
	return ok
}
