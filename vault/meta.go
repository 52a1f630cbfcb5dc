package vault

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/tresor-dev/tresor/format"
)

// RotationOptions change a secret's rotation metadata (set and meta). A nil
// field keeps what the secret has.
type RotationOptions struct {
	Every       *format.Duration  // how often to rotate; "" removes it
	Expires     *time.Time        // when the value stops being valid; the zero time removes it
	Generator   *format.Generator // how rotate makes the next value
	NoGenerator bool              // remove the generator
	Rotator     *string           // a rotator of the signed settings, by name; "" removes it
}

// MetaOptions are what tresor meta changes: the rotation metadata, and an
// exposure marked by hand. Only a new value (rotate, set) clears exposed.
type MetaOptions struct {
	RotationOptions
	// Exposed, when not empty, marks the current value as possibly known
	// to someone who should not know it; an existing reason is kept first.
	Exposed string
}

// Metadata is a secret's header and the rotation default of the signed
// settings that applies to it, if any.
type Metadata struct {
	Secret
	Default *format.RotationDefault
	// Effective is what rotation uses: the header's every, generator and
	// rotator, else the default's.
	Effective EffectiveRotation
}

// EffectiveRotation is the rotation metadata in force for a secret.
type EffectiveRotation struct {
	Every     format.Duration
	Generator string // a generator spec; "" for none (or one that cannot be met)
	Rotator   string
}

// verifiedHeaderOf reads the file of secret name, without decrypting it,
// as the verified journal records it: for the commands that show or plan
// from a header (meta, rotate --dry-run).
func (v *Vault) verifiedHeaderOf(name string) (*format.SecretFile, error) {
	if err := format.ValidateName(name); err != nil {
		return nil, problemf(nil, "", "%v", err)
	}
	st, err := v.verifiedForRead(name)
	if err != nil {
		return nil, err
	}
	return v.settledSecret(name, st)
}

// SecretMetadata returns the header of secret name as the verified journal
// records it, with the rotation default that applies. Needs no identity.
func (v *Vault) SecretMetadata(name string) (*Metadata, error) {
	sf, err := v.verifiedHeaderOf(name)
	if err != nil {
		return nil, err
	}
	m := &Metadata{Secret: sf.Header}
	m.Default, _ = v.Policy.RotationDefaultFor(name)
	m.Effective.Every, _ = rotationPeriodOf(&sf.Header, v.Policy)
	if g, err := v.generatorOf(sf.Header); err == nil && g != nil {
		m.Effective.Generator = g.String()
	}
	m.Effective.Rotator = v.rotatorOf(sf.Header)
	return m, nil
}

// DefaultGenerateFor returns the generator spec --generate uses for name
// when it is given none: the first matching rotation default's generate,
// else the vault-wide settings.generate ("" for the built-in default).
// Both are signed settings, so the journal is verified first (always:
// before that, Policy may be policy.yaml with unsigned edits).
func (v *Vault) DefaultGenerateFor(name string) (string, error) {
	if _, err := v.verifiedForRead(); err != nil {
		return "", err
	}
	if d, _ := v.Policy.RotationDefaultFor(name); d != nil && d.Generate != "" {
		return d.Generate, nil
	}
	return v.Policy.DefaultGenerate(), nil
}

// Meta changes the rotation metadata of secret name without changing its
// value: a secret.meta journal entry, version +1. The header is bound into
// the ciphertext, so the current member must be a writer and a reader; the
// value, and the previous and pending values beside it, are kept. It
// reports false, and writes nothing, when nothing would change.
func (v *Vault) Meta(name string, o MetaOptions) (*Secret, bool, error) {
	if err := format.ValidateName(name); err != nil {
		return nil, false, problemf(nil, "", "%v", err)
	}
	if o.Exposed != "" {
		if err := format.ValidateDescription(o.Exposed); err != nil {
			return nil, false, problemf(nil, "say in one line who may know the value and since when", "the exposed reason: %v", err)
		}
	}
	var out *Secret
	changed := false
	err := v.writeSettled(name, func(st *verifiedState, actor string, old *format.SecretFile) error {
		now := v.timeNow()
		rot, err := v.applyRotation(name, old.Header.Rotation, o.RotationOptions, now)
		if err != nil {
			return err
		}
		if o.Exposed != "" {
			rot = withExposed(rot, o.Exposed)
		}
		readers := v.Policy.ReadersOf(name)
		if rotationEqual(rot, old.Header.Rotation) && slices.Equal(readers, []string(old.Header.Readers)) {
			out = &old.Header
			return nil
		}
		vals, err := v.openPayload(old)
		if err != nil {
			if errors.Is(err, ErrNoAccess) {
				return problemf(ErrNoAccess, "the header is bound into the ciphertext: a member who reads and writes "+name+" changes it",
					"you are not a reader of %s, so you cannot change its metadata", name)
			}
			return err
		}
		h := newHeader(name, old, now)
		h.Rotation = rot
		// A file re-encrypted to fewer readers says who lost access, as
		// every re-encryption does: they may have kept the value.
		markLostReaders(&h, old.Header.Readers, readers, v.Policy, now)
		file, err := v.sealPayload(&h, vals)
		if err != nil {
			return err
		}
		if _, err := v.commit(actor, secretChange(format.ActionMeta, file, h, metaChangeText(old.Header.Rotation, rot))); err != nil {
			return err
		}
		out, changed = &h, true
		return nil
	})
	return out, changed, err
}

// setRotation gives the header h of a write by set its rotation metadata:
// o applied to what the secret had, and, as the value is new on an existing
// secret, rotated = now and exposed cleared. A secret in the middle of a
// two-phase rotation is refused: its pending value waits for the rotator.
// It returns a note for the user once the write is done, or "".
func (v *Vault) setRotation(h *format.SecretHeader, old *format.SecretFile, o RotationOptions) (note string, err error) {
	if err := refuseRotationInProgress(old); err != nil {
		return "", err
	}
	rot, err := v.applyRotation(h.Name, h.Rotation, o, h.Updated)
	if err != nil {
		return "", err
	}
	if old != nil {
		if rot == nil {
			rot = &format.Rotation{}
		}
		note = freshValue(h.Name, rot, h.Updated)
	}
	h.Rotation = rot
	return note, nil
}

// checkNoRotationInProgress refuses, before a batch of sets (import), a
// name whose two-phase rotation is half done, which set would refuse
// halfway through the batch.
func (v *Vault) checkNoRotationInProgress(names []string) error {
	st, err := v.verifiedForRead()
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, recorded := st.secrets[name]; !recorded {
			continue
		}
		sf, err := v.readRecordedSecret(name, st)
		if err != nil {
			return err
		}
		if err := refuseRotationInProgress(sf); err != nil {
			return err
		}
	}
	return nil
}

// refuseRotationInProgress refuses a new value for the secret of file old
// (nil for a new secret) while its two-phase rotation is half done: the
// pending value waits for the rotator, and set would orphan it.
func refuseRotationInProgress(old *format.SecretFile) error {
	if old == nil || old.Header.Rotation == nil || old.Header.Rotation.Pending.IsZero() {
		return nil
	}
	name := old.Header.Name
	return problemf(nil, "finish or drop the rotation first: tresor rotate "+name+" --resume (or --abort)",
		"%s has a rotation in progress since %s", name, old.Header.Rotation.Pending.Format(time.RFC3339))
}

// applyRotation returns a copy of r (nil for none) with o applied, each
// change checked: a duration that parses, an expiry after now, a generator
// that can be met, a rotator the signed settings define. The caller holds
// a verified state, so the policy is the signed one.
func (v *Vault) applyRotation(secret string, r *format.Rotation, o RotationOptions, now time.Time) (*format.Rotation, error) {
	var out format.Rotation
	if r != nil {
		out = *r
		if r.Generator != nil {
			g := *r.Generator
			g.Require = slices.Clone(g.Require)
			out.Generator = &g
		}
	}
	if o.Every != nil {
		if *o.Every != "" {
			if _, err := format.ParseDuration(string(*o.Every)); err != nil {
				return nil, problemf(nil, "e.g. --rotate-every 90d", "--rotate-every: %v", err)
			}
		}
		out.Every = *o.Every
	}
	if o.Expires != nil {
		e := o.Expires.UTC()
		if !e.IsZero() && !e.After(now) {
			return nil, problemf(nil, "give a date in the future; a value that must not be used any more is rotated (tresor rotate)",
				"--expires %s is not in the future (it is %s now)", format.FormatDate(e), now.Format(time.RFC3339))
		}
		if !e.IsZero() && (e.Nanosecond() != 0 || e.Year() > 9999) {
			return nil, problemf(nil, "", "--expires: %v", format.ErrBadDate)
		}
		out.Expires = e
	}
	switch {
	case o.NoGenerator:
		out.Generator = nil
	case o.Generator != nil:
		if err := o.Generator.Check(); err != nil {
			return nil, problemf(nil, "", "--generate: %v", err)
		}
		g := *o.Generator
		g.Require = slices.Clone(g.Require)
		out.Generator = &g
	}
	if o.Rotator != nil {
		if name := *o.Rotator; name != "" {
			spec, ok := v.Policy.RotatorNamed(name)
			if !ok {
				return nil, problemf(nil, "an admin defines rotators in the policy (settings: {rotators: {"+name+": {run: [...]}}}); tresor policy show lists them",
					"no rotator named %s in the signed policy settings", name)
			}
			if !spec.Rotates(secret) {
				return nil, problemf(nil, "name a rotator whose paths hold "+secret+" (tresor policy show lists them)",
					"rotator %s may rotate only %s, not %s", name, strings.Join(spec.Paths, ", "), secret)
			}
		}
		out.Rotator = *o.Rotator
	}
	if rotationEqual(&out, &format.Rotation{}) {
		return nil, nil
	}
	return &out, nil
}

// withExposed returns r with reason added to its exposed reasons (an
// existing reason first, joined by "; "), within the 200 bytes a header
// field holds.
func withExposed(r *format.Rotation, reason string) *format.Rotation {
	if r == nil {
		r = &format.Rotation{}
	}
	switch {
	case r.Exposed == "":
		r.Exposed = reason
	case !slices.Contains(strings.Split(r.Exposed, "; "), reason):
		r.Exposed += "; " + reason
	}
	r.Exposed = cutText(r.Exposed, maxExposedLen)
	return r
}

// rotationEqual reports whether two rotation metadata are the same.
func rotationEqual(a, b *format.Rotation) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ga, gb := a.Generator, b.Generator
	if (ga == nil) != (gb == nil) || ga != nil && !ga.Equal(*gb) {
		return false
	}
	return a.Every == b.Every && a.Rotated.Equal(b.Rotated) && a.Expires.Equal(b.Expires) && a.Rotator == b.Rotator &&
		a.Exposed == b.Exposed && a.Pending.Equal(b.Pending)
}

// metaChangeText says for people (tresor log) what a secret.meta entry
// changed.
func metaChangeText(before, after *format.Rotation) string {
	var b, a format.Rotation
	if before != nil {
		b = *before
	}
	if after != nil {
		a = *after
	}
	var parts []string
	if a.Every != b.Every {
		parts = append(parts, orNo("every", string(a.Every)))
	}
	if !a.Expires.Equal(b.Expires) {
		d := ""
		if !a.Expires.IsZero() {
			d = format.FormatDate(a.Expires)
		}
		parts = append(parts, orNo("expires", d))
	}
	if !rotationEqual(&format.Rotation{Generator: a.Generator}, &format.Rotation{Generator: b.Generator}) {
		g := ""
		if a.Generator != nil {
			g = a.Generator.String()
		}
		parts = append(parts, orNo("generator", g))
	}
	if a.Rotator != b.Rotator {
		parts = append(parts, orNo("rotator", a.Rotator))
	}
	if a.Exposed != b.Exposed {
		parts = append(parts, "exposed")
	}
	if len(parts) == 0 {
		parts = append(parts, "re-encrypted")
	}
	return cutText("meta: "+strings.Join(parts, ", "), maxExposedLen)
}

func orNo(field, value string) string {
	if value == "" {
		return "no " + field
	}
	return field + " " + value
}
